/**
 * TensorBoard's event file: a TFRecord stream of `Event` protocol buffers.
 *
 * ```text
 * record  = uint64 length (LE) · uint32 masked_crc32c(length bytes) · data · uint32 masked_crc32c(data)
 * Event   = wall_time (1, double) · step (2, int64) · file_version (3, string) | summary (5, Summary)
 * Summary = value (1, repeated Value)
 * Value   = tag (1) · simple_value (2, float) | histo (5, HistogramProto) | tensor (8, TensorProto) · metadata (9)
 * ```
 *
 * Field numbers are those of tensorflow/core/framework/{event,summary,tensor,tensor_shape}.proto
 * and tensorboard/plugins/hparams/{api,plugin_data}.proto.
 * @module
 */
import { maskedCrc32c } from "./crc32c.ts";
import { ProtoWriter } from "./protobuf.ts";

/** One TFRecord: the length and payload, each followed by its masked CRC-32C. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** An Event holding `file_version` (the first record of every event file). */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime, true).string(3, "brain.Event:2").finish();
}

/** An Event holding one Summary with the given values. */
export function summaryEvent(wallTime: number, step: number, values: ProtoWriter[]): Uint8Array {
  const summary = new ProtoWriter();
  for (const v of values) summary.message(1, v);
  return new ProtoWriter().double(1, wallTime, true).int(2, step).message(5, summary).finish();
}

/** A Summary.Value with a `simple_value` (what the scalars dashboard reads). */
export function scalarValue(tag: string, value: number): ProtoWriter {
  return new ProtoWriter().string(1, tag).float(2, value);
}

/** SummaryMetadata naming the plugin that owns a value, with its serialised plugin data. */
function pluginMetadata(plugin: string, content: Uint8Array = new Uint8Array()): ProtoWriter {
  return new ProtoWriter().message(1, new ProtoWriter().string(1, plugin).bytes(2, content));
}

/** What a histogram value holds (HistogramProto). */
export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  /** Right edge of each bucket. */
  bucketLimit: number[];
  /** Count of each bucket. */
  bucket: number[];
}

/** A Summary.Value with a HistogramProto. */
export function histogramValue(tag: string, h: Histogram): ProtoWriter {
  const histo = new ProtoWriter().double(1, h.min).double(2, h.max).double(3, h.num).double(4, h.sum).double(
    5,
    h.sumSquares,
  )
    .packedDoubles(6, h.bucketLimit).packedDoubles(7, h.bucket);
  return new ProtoWriter().string(1, tag).message(5, histo);
}

/** A Summary.Value for the text plugin: a 1-element DT_STRING tensor (as PyTorch's `add_text`). */
export function textValue(tag: string, text: string): ProtoWriter {
  const DT_STRING = 7;
  const shape = new ProtoWriter().message(2, new ProtoWriter().int(1, 1));
  const tensor = new ProtoWriter().int(1, DT_STRING).message(2, shape).bytes(8, new TextEncoder().encode(text), true);
  return new ProtoWriter().string(1, tag).message(8, tensor).message(9, pluginMetadata("text"));
}

/** A hyper-parameter value: number, string or boolean. */
export type HParamValue = number | string | boolean;

/** google.protobuf.Value holding a number, string or bool (a oneof: written even when 0 or false). */
function protoValue(v: HParamValue): ProtoWriter {
  const w = new ProtoWriter();
  if (typeof v === "number") return w.double(2, v, true);
  if (typeof v === "string") return w.bytes(3, new TextEncoder().encode(v), true);
  return w.int(4, v, true);
}

/** HParamsPluginData (version 0) around one of experiment (2), session_start_info (3), session_end_info (4). */
function hparamsValue(tag: string, field: number, body: ProtoWriter): ProtoWriter {
  const content = new ProtoWriter().message(field, body).finish();
  return new ProtoWriter().string(1, tag).message(9, pluginMetadata("hparams", content));
}

/**
 * The three Summary.Values of the hparams plugin, as PyTorch's `hparams()` writes them: the
 * experiment (hyper-parameter names and types, metric tags), the session start (the values) and
 * the session end (status SUCCESS).
 */
export function hparamsValues(hparams: Record<string, HParamValue>, metrics: readonly string[]): ProtoWriter[] {
  const DATA_TYPE = { string: 1, boolean: 2, number: 3 } as const;
  const experiment = new ProtoWriter();
  const start = new ProtoWriter();
  for (const [name, v] of Object.entries(hparams)) {
    experiment.message(
      4,
      new ProtoWriter().string(1, name).int(4, DATA_TYPE[typeof v as "number" | "string" | "boolean"]),
    );
    start.message(1, new ProtoWriter().string(1, name).message(2, protoValue(v)));
  }
  for (const tag of metrics) experiment.message(5, new ProtoWriter().message(1, new ProtoWriter().string(2, tag)));
  const STATUS_SUCCESS = 1;
  return [
    hparamsValue("_hparams_/experiment", 2, experiment),
    hparamsValue("_hparams_/session_start_info", 3, start),
    hparamsValue("_hparams_/session_end_info", 4, new ProtoWriter().int(1, STATUS_SUCCESS)),
  ];
}
