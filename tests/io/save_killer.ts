/**
 * Child process of tests/io/killed_save_test.ts: saves a 16 MB model over and over to the path in
 * argv until it is killed, printing "saving" once the first save has started.
 */
import process from "node:process";
import { Linear, saveModel, Sequential } from "../../mod.ts";

const path = process.argv[process.argv.length - 1];
const model = new Sequential().add(new Linear(2048, 2048));
console.log("saving");
for (;;) saveModel(model, path);
