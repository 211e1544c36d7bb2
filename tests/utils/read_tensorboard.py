"""Reads every run under a log directory with TensorBoard's own event reader (tensorboard's
EventAccumulator, which checks each record's CRCs) and prints what it found as JSON, for
tests/utils/tensorboard_test.ts:

    {"<run dir relative to logdir>": {"scalars": {tag: [[step, value, wall_time], ...]},
                                      "histograms": {tag: [[step, {min, max, num, sum, sum_squares, bucket_limit, bucket}], ...]},
                                      "text": {tag: [[step, text], ...]},
                                      "hparams": {tag: HParamsPluginData as a dict}}}

Run with the Python environment tools/dev.sh makes (.tools/tbenv, PyPI's tensorboard only).
"""
import json
import os
import sys

from google.protobuf import json_format
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import plugin_data_pb2


def plugin_content(acc, plugin):
    try:
        return acc.PluginTagToContent(plugin)
    except KeyError:  # no value of this plugin in the run
        return {}


def read_run(path):
    acc = event_accumulator.EventAccumulator(path, size_guidance={k: 0 for k in event_accumulator.DEFAULT_SIZE_GUIDANCE})
    acc.Reload()
    tags = acc.Tags()
    run = {"scalars": {}, "histograms": {}, "text": {}, "hparams": {}}
    for tag in tags["scalars"]:
        run["scalars"][tag] = [[e.step, e.value, e.wall_time] for e in acc.Scalars(tag)]
    for tag in tags["histograms"]:
        run["histograms"][tag] = [
            [e.step, {"min": h.min, "max": h.max, "num": h.num, "sum": h.sum, "sum_squares": h.sum_squares,
                      "bucket_limit": list(h.bucket_limit), "bucket": list(h.bucket)}]
            for e in acc.Histograms(tag) for h in [e.histogram_value]
        ]
    for tag in tags["tensors"]:
        run["text"][tag] = [[e.step, b"".join(e.tensor_proto.string_val).decode("utf-8")] for e in acc.Tensors(tag)]
    for tag, content in plugin_content(acc, "hparams").items():
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
        run["hparams"][tag] = json_format.MessageToDict(data, preserving_proto_field_name=True)
    return run


def main(logdir):
    out = {}
    for dirpath, _, files in sorted(os.walk(logdir)):
        if any(f.startswith("events.out.tfevents.") for f in files):
            out[os.path.relpath(dirpath, logdir)] = read_run(dirpath)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
