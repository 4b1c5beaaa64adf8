"""Epoch pairs in one process (README.md, "Epoch pairs"): what img_fit_pairs.py and csv_fit_pairs.py share.

`run_pairs(train_epoch, records, pairs, other)` takes `train_epoch(which, callbacks)`, which trains
the model of `which` ("inmem" or `other`) for one epoch with the callbacks. After one untimed
epoch each (tracing), the two train an epoch at a time in turns, `pairs` times, the order
alternating (in-memory first, then `other` first, ...), so that a slow spell of this shared machine
falls on both; each epoch is timed by Keras's epoch callbacks. Returns the usual result (the
`other` model's samples/s) plus `pair_ratios` (other / in-memory of each pair), `<other>_rates`,
`inmem_rates`, `ratio_median` and `epoch_records`.
"""
import statistics

from common import EpochTimer


def run_pairs(train_epoch, records, pairs, other):
    def epoch(which):
        timer = EpochTimer()
        train_epoch(which, [timer])
        return records / timer.seconds[0]

    epoch("inmem"), epoch(other)  # tracing, not timed
    rates = {"inmem": [], other: []}
    for k in range(pairs):
        for which in (("inmem", other) if k % 2 == 0 else (other, "inmem")):
            rates[which].append(epoch(which))
    ratios = [p / m for p, m in zip(rates[other], rates["inmem"])]
    seconds = sum(records / r for r in rates[other])
    return {"records": records * pairs, "seconds": seconds, "records_per_s": records * pairs / seconds,
            "epochs": pairs, "first_epoch_s": None, "pair_ratios": ratios,
            f"{other}_rates": rates[other], "inmem_rates": rates["inmem"],
            "ratio_median": statistics.median(ratios), "epoch_records": records}
