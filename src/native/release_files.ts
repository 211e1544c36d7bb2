/**
 * The release files of this version of Axon and their SHA-256 checksums, so that a copy of Axon
 * without a native library (JSR, or a plain URL import) can download one and prove it is the file
 * that was published. `tools/dev.sh release` writes this file, with the checksums of the files it
 * built, into the packages it stages (dist/jsr, dist/npm); in the source tree the list is empty.
 * @module
 */

/** This package's version: names the per-user cache folder (`<cache>/axon/<version>/<sha256>/`). */
export const VERSION = "0.3.0";

/**
 * Where release files are downloaded from unless `AXON_BINARY_URL` says otherwise: a file is
 * fetched from `<base>/<file name>`.
 */
export const BINARY_BASE_URL = `https://github.com/axon-ml/axon/releases/download/v${VERSION}`;

/** Release file name → lowercase hex SHA-256 (empty in a source checkout). */
export const RELEASE_FILES: Readonly<Record<string, string>> = {};
