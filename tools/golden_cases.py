"""The list of shared golden cases (SPEC.md §7): (group, name, case).

Paths are relative to shared_fixtures/cases/<group>/. Expected values are
filled in by tools/make_golden.py; error expectations are written here by hand.
"""

D = "../../data/"


def rng(n, *ops, epochs=(0,)):
    return {"spec": {"source": {"type": "range", "n": n}, "ops": list(ops)}, "epochs": list(epochs),
            "expect": "values"}


def dig(source, *ops, epochs=(0,)):
    return {"spec": {"source": source, "ops": list(ops)}, "epochs": list(epochs), "expect": "digests"}


def skip(source, *ops, epochs=(0,), expect="digests", counts=True):
    """A case over a source with on_error "skip" (SPEC §4.6); counts=True also checks skipped(e)."""
    case = {"spec": {"source": dict(source, on_error="skip"), "ops": list(ops)}, "epochs": list(epochs),
            "expect": expect}
    if counts:
        case["check_skipped"] = True
    return case


def err(source, ops, code, *contains):
    return {"spec": {"source": source, "ops": list(ops)}, "epochs": [0], "expect": "error",
            "error": {"code": code, "message_contains": list(contains)}}


def op(name, **kw):
    return dict({"op": name}, **kw)


XY = {"type": "csv", "path": D + "xy.csv", "features": ["x"], "label": "y"}
WIDE = {"type": "csv", "path": D + "wide.csv", "features": ["a", "b", "c"], "label": "label", "label_dtype": "int32"}
IMG = {"type": "image_folder", "path": D + "images"}
SAME = {"type": "image_folder", "path": D + "images_same_size"}
CLS = {"type": "class_folder", "path": D + "classes"}
PAIRS = {"type": "paired_folders", "path": D + "pairs"}
CAT_DOG = dict(CLS, class_names=["cat", "dog"])  # PNG/JPEG only: grayscale decodes


def PACKED(name, **kw):
    return dict({"type": "packed", "path": "../../packs/" + name}, **kw)


def csv(path, **kw):
    return dict({"type": "csv", "path": D + path}, **kw)


CASES = [
    # ---- ops on integer streams
    ("ops", "take", rng(10, op("take", count=3))),
    ("ops", "take_all", rng(4, op("take", count=-1))),
    ("ops", "skip", rng(10, op("skip", count=7))),
    ("ops", "skip_past_end", rng(3, op("skip", count=5))),
    ("ops", "batch", rng(10, op("batch", batch_size=4))),
    ("ops", "batch_drop_remainder", rng(10, op("batch", batch_size=4, drop_remainder=True))),
    ("ops", "repeat", rng(3, op("repeat", count=2))),
    ("ops", "shuffle_buffer", rng(50, op("shuffle", buffer_size=10, seed=7), epochs=(0, 1))),
    ("ops", "shuffle_buffer_larger_than_n", rng(20, op("shuffle", buffer_size=100, seed=3))),
    ("ops", "shuffle_buffer_one", rng(8, op("shuffle", buffer_size=1, seed=3))),
    ("ops", "shuffle_global", rng(50, op("shuffle", seed=7), epochs=(0, 1, 2))),
    ("ops", "shuffle_no_reshuffle", rng(20, op("shuffle", buffer_size=5, seed=1, reshuffle_each_iteration=False),
                                        epochs=(0, 1))),
    ("ops", "shuffle_then_repeat", rng(10, op("shuffle", seed=5), op("repeat", count=3), epochs=(0, 1))),
    ("ops", "repeat_then_shuffle", rng(5, op("repeat", count=2), op("shuffle", buffer_size=4, seed=9))),
    ("ops", "filter_label_in", rng(20, op("filter", predicate="label_in", values=[1, 3, 5, 17]))),
    ("ops", "map_divide", rng(6, op("map", fn="divide", value=4))),
    ("ops", "map_normalize", rng(6, op("map", fn="normalize", mean=2.5, std=1.5))),
    ("ops", "map_one_hot", rng(4, op("map", fn="one_hot", depth=5))),
    ("ops", "map_cast", rng(3, op("map", fn="divide", value=2), op("map", fn="cast", dtype="int32"))),
    ("ops", "skip_take_global_batch", rng(100, op("skip", count=5), op("take", count=50), op("shuffle", seed=11),
                                          op("batch", batch_size=8, drop_remainder=True), epochs=(0, 1))),
    ("ops", "prefetch", rng(10, op("shuffle", buffer_size=3, seed=2), op("prefetch", buffer_size=2),
                            op("batch", batch_size=3))),
    # ---- CSV source
    ("csv", "xy_batch", dig(XY, op("batch", batch_size=250))),
    ("csv", "xy_shuffle_batch", dig(XY, op("shuffle", buffer_size=100, seed=7), op("batch", batch_size=64),
                                    epochs=(0, 1))),
    ("csv", "xy_unbatched_take", dig(XY, op("take", count=5))),
    ("csv", "xy_no_label", dig(csv("xy.csv", features=["x", "y"]), op("batch", batch_size=100))),
    ("csv", "xy_normalize", dig(XY, op("map", fn="normalize", mean=0.1, std=2), op("batch", batch_size=100))),
    ("csv", "wide_by_name_int_label", dig(WIDE, op("batch", batch_size=32))),
    ("csv", "wide_by_index", dig(csv("wide.csv", features=[2, 4], label=5), op("batch", batch_size=50,
                                                                               drop_remainder=True))),
    ("csv", "wide_label_list", dig(csv("wide.csv", features=["a"], label=["b", "c"]), op("batch", batch_size=64))),
    ("csv", "wide_id_and_a", dig(csv("wide.csv", features=["id", "a"], label="label"), op("batch", batch_size=64))),
    ("csv", "xy_default_features", dig(csv("xy.csv", label="y"), op("batch", batch_size=300))),
    ("csv", "noheader_crlf_bom", dig(csv("noheader_crlf_bom.csv", header=False, features=[0, 1], label=2),
                                     op("batch", batch_size=7))),
    ("csv", "specials", dig(csv("specials.csv", features=["a"], label="b"), op("batch", batch_size=3))),
    ("csv", "specials_filter_finite", dig(csv("specials.csv", features=["a"], label="b"),
                                          op("filter", predicate="finite"), op("batch", batch_size=2))),
    ("csv", "xy_skip_take", dig(XY, op("skip", count=990), op("take", count=7), op("batch", batch_size=3))),
    ("csv", "xy_repeat_shuffle_batch", dig(XY, op("take", count=40), op("repeat", count=2),
                                           op("shuffle", buffer_size=16, seed=5), op("batch", batch_size=16),
                                           epochs=(0, 1))),
    ("csv", "xy_filter_prefetch", dig(XY, op("filter", predicate="finite"), op("prefetch", buffer_size=3),
                                      op("batch", batch_size=128))),
    ("csv", "xy_map_on_label", dig(XY, op("map", fn="divide", value=3, on="y"), op("batch", batch_size=500))),
    # ---- image folder source
    ("image_folder", "resize_batch", dig(dict(IMG, image_size=[12, 12]), op("batch", batch_size=5))),
    ("image_folder", "resize_scale_global_shuffle",
     dig(dict(IMG, image_size=[16, 16], scale=True), op("shuffle", seed=3), op("batch", batch_size=4),
         epochs=(0, 1))),
    ("image_folder", "categorical", dig(dict(IMG, image_size=[8, 8], label_mode="categorical"),
                                        op("batch", batch_size=30))),
    ("image_folder", "raw_uint8_same_size", dig(SAME, op("batch", batch_size=4))),
    ("image_folder", "label_mode_none", dig(dict(SAME, label_mode="none"), op("batch", batch_size=8))),
    ("image_folder", "explicit_classes", dig(dict(IMG, image_size=[10, 10], classes=["triangle", "square", "circle"]),
                                             op("take", count=6), op("batch", batch_size=6))),
    ("image_folder", "custom_pattern", dig(dict(SAME, pattern="^(c|s|t)"), op("batch", batch_size=8))),
    ("image_folder", "each_image_unbatched", dig(IMG)),
    ("image_folder", "map_divide_filter_label", dig(dict(IMG, image_size=[6, 6]), op("map", fn="divide", value=255),
                                                    op("filter", predicate="label_in", values=[0, 2]),
                                                    op("batch", batch_size=7))),
    ("image_folder", "buffer_shuffle_skip_take", dig(dict(IMG, image_size=[6, 6]),
                                                     op("shuffle", buffer_size=8, seed=21), op("skip", count=3),
                                                     op("take", count=20), op("batch", batch_size=5),
                                                     epochs=(0, 1))),
    ("image_folder", "global_shuffle_repeat_prefetch", dig(dict(SAME, label_mode="categorical"),
                                                           op("shuffle", seed=8), op("repeat", count=2),
                                                           op("prefetch", buffer_size=2), op("batch", batch_size=3),
                                                           epochs=(0, 1))),
    # ---- class folders (SPEC §3.4); pixels of resized cases come from Keras's own loader
    ("class_folder", "each_file_unbatched", dig(CLS)),
    ("class_folder", "resize_batch", dig(dict(CLS, image_size=[8, 8]), op("batch", batch_size=4))),
    ("class_folder", "crop_to_aspect_ratio", dig(dict(CLS, image_size=[10, 6], crop_to_aspect_ratio=True),
                                                 op("batch", batch_size=5))),
    ("class_folder", "pad_to_aspect_ratio", dig(dict(CLS, image_size=[7, 13], pad_to_aspect_ratio=True, scale=True),
                                                op("batch", batch_size=5))),
    ("class_folder", "categorical_global_shuffle", dig(dict(CLS, image_size=[6, 6], label_mode="categorical"),
                                                       op("shuffle", seed=4), op("batch", batch_size=6),
                                                       epochs=(0, 1))),
    ("class_folder", "grayscale_binary", dig(dict(CAT_DOG, image_size=[5, 5], color_mode="grayscale",
                                                  label_mode="binary"), op("batch", batch_size=4))),
    ("class_folder", "class_names_order", dig(dict(CLS, class_names=["dog", "bird"], image_size=[4, 4]),
                                              op("batch", batch_size=11))),
    ("class_folder", "label_mode_none", dig(dict(CLS, image_size=[4, 4], label_mode="none"),
                                            op("batch", batch_size=17))),
    ("class_folder", "split_streamfit_training", dig(dict(CLS, image_size=[4, 4], validation_split=0.25,
                                                          subset="training", seed=5), op("batch", batch_size=4))),
    ("class_folder", "split_streamfit_validation", dig(dict(CLS, image_size=[4, 4], validation_split=0.25,
                                                            subset="validation", seed=5), op("batch", batch_size=4))),
    ("class_folder", "split_keras_training", dig(dict(CLS, image_size=[4, 4], validation_split=0.2,
                                                      subset="training", seed=1337, split_mode="keras"),
                                                 op("batch", batch_size=4))),
    ("class_folder", "split_keras_validation", dig(dict(CLS, image_size=[4, 4], validation_split=0.2,
                                                        subset="validation", seed=1337, split_mode="keras"))),
    # ---- paired folders (SPEC §3.5)
    ("paired_folders", "each_pair_unbatched", dig(PAIRS)),
    ("paired_folders", "resize_scale_batch", dig(dict(PAIRS, image_size=[8, 8], scale=True), op("batch", batch_size=2))),
    ("paired_folders", "global_shuffle_batch", dig(dict(PAIRS, image_size=[5, 7]), op("shuffle", seed=12),
                                                   op("batch", batch_size=3), epochs=(0, 1))),
    ("paired_folders", "no_label_one_input", dig(dict(PAIRS, inputs=["time2"], label=None, image_size=[6, 6]),
                                                 op("batch", batch_size=5))),
    ("paired_folders", "no_label_two_inputs_structure",  # values show the ((x1, x2),) nesting digests cannot
     dict(dig(dict(PAIRS, label=None, image_size=[1, 2]), op("take", count=2)), expect="values")),
    ("paired_folders", "dot_named_images", dig({"type": "paired_folders", "path": D + "pairs_dotname"},
                                               op("batch", batch_size=2))),
    ("paired_folders", "masks_as_input", dig(dict(PAIRS, inputs=["label"], label="label", image_size=[9, 4]),
                                             op("take", count=3))),
    # ---- on_error "skip" (SPEC §4.6): bad records removed and counted by code
    ("on_error", "csv_values", skip(csv("messy.csv"), op("batch", batch_size=2), expect="values", epochs=(0, 1))),
    ("on_error", "csv_int_label", skip(csv("messy_int.csv", features=["a"], label="label", label_dtype="int32"),
                                       expect="values")),
    ("on_error", "csv_buffer_shuffle", skip(csv("messy.csv", label="y"), op("shuffle", buffer_size=3, seed=5),
                                            expect="values", epochs=(0, 1))),
    ("on_error", "image_folder_batch", skip({"type": "image_folder", "path": D + "images_messy"},
                                            op("batch", batch_size=2))),
    ("on_error", "image_folder_global_shuffle", skip({"type": "image_folder", "path": D + "images_messy",
                                                      "image_size": [6, 6], "label_mode": "categorical"},
                                                     op("shuffle", seed=3), op("batch", batch_size=2),
                                                     epochs=(0, 1, 2))),
    ("on_error", "image_folder_classes", skip({"type": "image_folder", "path": D + "images_messy",
                                               "classes": ["square", "circle"]}, op("map", fn="divide", value=255),
                                              op("shuffle", seed=9), epochs=(0, 1))),
    ("on_error", "image_folder_shuffle_take", skip({"type": "image_folder", "path": D + "images_messy"},
                                                   op("shuffle", seed=3), op("take", count=3), epochs=(0, 1),
                                                   counts=False)),
    ("on_error", "image_folder_skip_op", skip({"type": "image_folder", "path": D + "images_messy"},
                                              op("skip", count=2), op("batch", batch_size=3))),
    ("on_error", "class_folder_batch", skip({"type": "class_folder", "path": D + "classes_messy"},
                                            op("batch", batch_size=3))),
    ("on_error", "class_folder_resize_shuffle", skip({"type": "class_folder", "path": D + "classes_messy",
                                                      "image_size": [5, 7], "label_mode": "categorical"},
                                                     op("shuffle", seed=17), op("batch", batch_size=4),
                                                     epochs=(0, 1))),
    ("on_error", "class_folder_split_training", skip({"type": "class_folder", "path": D + "classes_messy",
                                                      "validation_split": 0.3, "subset": "training", "seed": 2})),
    ("on_error", "class_folder_split_validation", skip({"type": "class_folder", "path": D + "classes_messy",
                                                        "validation_split": 0.3, "subset": "validation",
                                                        "seed": 2})),
    ("on_error", "class_folder_split_keras", skip({"type": "class_folder", "path": D + "classes_messy",
                                                   "validation_split": 0.3, "subset": "training", "seed": 2,
                                                   "split_mode": "keras"})),
    ("on_error", "pairs_unbatched", skip({"type": "paired_folders", "path": D + "pairs_messy"}, epochs=(0, 1))),
    ("on_error", "pairs_global_shuffle", skip({"type": "paired_folders", "path": D + "pairs_messy",
                                               "image_size": [4, 4]}, op("shuffle", seed=1),
                                              op("batch", batch_size=2), epochs=(0, 1))),
    ("on_error", "pairs_no_label", skip({"type": "paired_folders", "path": D + "pairs_messy", "label": None},
                                        op("batch", batch_size=3))),
    ("on_error", "raise_is_default_counts_empty", dict(dig(XY, op("batch", batch_size=500)), check_skipped=True)),
    # ---- packed data (SPEC §3.7): the reference packs in shared_fixtures/packs/, read in each order
    ("packed", "images16_sequential", dig(PACKED("images16"), op("batch", batch_size=3))),
    ("packed", "images16_global", dig(PACKED("images16", order="global", seed=5), op("batch", batch_size=2),
                                      epochs=(0, 1))),
    ("packed", "images16_shards", dig(PACKED("images16", order="shards", seed=5, window=2), epochs=(0, 1, 2))),
    ("packed", "xy_sequential_shuffle", dig(PACKED("xy"), op("shuffle", seed=5), op("batch", batch_size=100))),
    ("packed", "xy_global", dig(PACKED("xy", order="global", seed=5), op("batch", batch_size=100))),
    ("packed", "xy_shards_window3", dig(PACKED("xy", order="shards", seed=7, window=3), op("batch", batch_size=64),
                                        epochs=(0, 1))),
    ("packed", "xy_shards_window1", dig(PACKED("xy", order="shards", seed=7, window=1), op("batch", batch_size=64))),
    ("packed", "xy_shards_window_all", dig(PACKED("xy", order="shards", seed=7, window=100),
                                           op("take", count=300), op("batch", batch_size=64))),
    ("packed", "encoded_bytes", dig(PACKED("encoded"))),
    ("packed", "encoded_decode_resize", dig(PACKED("encoded", order="global", seed=2),
                                            op("map", fn="decode_image", image_size=[12, 12]),
                                            op("batch", batch_size=5), epochs=(0, 1))),
    ("packed", "encoded_decode_like_source", dig(PACKED("encoded"), op("map", fn="decode_image", image_size=[12, 12]),
                                                 op("batch", batch_size=5))),
    # ---- errors: the same code in both languages
    ("errors", "csv_columns", err(csv("bad_columns.csv"), [], "SF_CSV_COLUMNS", "bad_columns.csv", "line 4")),
    ("errors", "csv_number", err(csv("bad_number.csv"), [], "SF_CSV_NUMBER", "bad_number.csv", "line 3", "abc")),
    ("errors", "csv_number_hex", err(csv("bad_number_hex.csv"), [], "SF_CSV_NUMBER", "bad_number_hex.csv", "line 3")),
    ("errors", "csv_empty_field", err(csv("bad_number_empty_field.csv"), [], "SF_CSV_NUMBER",
                                      "bad_number_empty_field.csv", "line 3")),
    ("errors", "csv_empty_line", err(csv("empty_line.csv"), [], "SF_CSV_EMPTY_LINE", "empty_line.csv", "line 5")),
    ("errors", "csv_header", err(csv("xy.csv", features=["zzz"], label="y"), [], "SF_CSV_HEADER", "xy.csv", "zzz")),
    ("errors", "csv_int_label", err(csv("bad_int.csv", features=["a"], label="label", label_dtype="int32"), [],
                                    "SF_CSV_NUMBER", "bad_int.csv", "line 3")),
    ("errors", "csv_header_only", err(csv("header_only.csv"), [], "SF_EMPTY_SOURCE", "header_only.csv")),
    ("errors", "csv_bom_only_file", err(csv("bom_only.csv"), [], "SF_EMPTY_SOURCE", "bom_only.csv")),
    ("errors", "range_zero", err({"type": "range", "n": 0}, [], "SF_EMPTY_SOURCE", "range")),
    ("errors", "csv_empty_file", err(csv("empty.csv"), [], "SF_EMPTY_SOURCE", "empty.csv")),
    ("errors", "csv_missing_file", err(csv("missing.csv"), [], "SF_FILE_NOT_FOUND", "missing.csv")),
    ("errors", "image_label_pattern", err({"type": "image_folder", "path": D + "images_bad_name"}, [],
                                          "SF_IMAGE_LABEL", "nolabel.png")),
    ("errors", "image_label_not_in_classes", err(dict(IMG, classes=["circle", "square"]), [], "SF_IMAGE_LABEL",
                                                 "triangle")),
    ("errors", "image_decode", err({"type": "image_folder", "path": D + "images_bad_decode"}, [],
                                   "SF_IMAGE_DECODE", "cat_0002.jpg")),
    ("errors", "class_folder_empty_class", err({"type": "class_folder", "path": D + "classes_empty_class"}, [],
                                               "SF_LAYOUT", "cat")),
    ("errors", "class_folder_unknown_extension", err({"type": "class_folder", "path": D + "classes_bad_ext"}, [],
                                                     "SF_LAYOUT", "notes.txt")),
    ("errors", "class_folder_missing_class", err(dict(CLS, class_names=["cat", "horse"]), [], "SF_LAYOUT", "horse")),
    ("errors", "class_folder_empty_class_names", err(dict(CLS, class_names=[]), [], "SF_LAYOUT", "class")),
    ("errors", "pairs_missing_partner", err({"type": "paired_folders", "path": D + "pairs_missing"}, [],
                                            "SF_PAIR_MISSING", "x2.png", "time2")),
    ("errors", "pairs_duplicate_stem", err({"type": "paired_folders", "path": D + "pairs_duplicate"}, [],
                                           "SF_LAYOUT", "x1")),
    ("errors", "pairs_missing_folder", err(dict(PAIRS, inputs=["time1", "time3"]), [], "SF_LAYOUT", "time3")),
    ("errors", "class_folder_bad_image", err({"type": "class_folder", "path": D + "classes_bad_image"}, [],
                                             "SF_IMAGE_DECODE", "c2.png")),
    ("errors", "class_folder_subset_without_split", err(dict(CLS, subset="training"), [], "SF_ARG", "subset")),
    ("errors", "class_folder_split_without_seed", err(dict(CLS, validation_split=0.2, subset="training"), [],
                                                      "SF_SEED", "seed")),
    ("errors", "class_folder_binary_three_classes", err(dict(CLS, label_mode="binary"), [], "SF_ARG", "binary")),
    ("errors", "image_empty_folder", err({"type": "image_folder", "path": D + "images_empty"}, [],
                                         "SF_EMPTY_SOURCE", "images_empty")),
    ("errors", "global_shuffle_on_stream", err(XY, [op("shuffle", seed=1)], "SF_SHUFFLE_BUFFER", "buffer_size")),
    ("errors", "batch_shape_mismatch", err(IMG, [op("batch", batch_size=4)], "SF_BATCH_SHAPE")),
    ("errors", "bad_seed", err({"type": "range", "n": 5}, [op("shuffle", buffer_size=2, seed=-1)], "SF_SEED", "-1")),
    ("errors", "batch_size_zero", err({"type": "range", "n": 5}, [op("batch", batch_size=0)], "SF_ARG",
                                      "batch_size")),
    ("errors", "spec_unknown_key", err({"type": "range", "n": 5}, [op("batch", batch_size=2, bogus=1)], "SF_SPEC",
                                       "bogus")),
    ("errors", "on_error_bad_value", err(dict(XY, on_error="ignore"), [], "SF_ARG", "on_error", "ignore")),
    ("errors", "skip_all_csv_lines", err(csv("all_bad.csv", on_error="skip"), [], "SF_EMPTY_SOURCE", "all_bad.csv",
                                         "SF_CSV_COLUMNS")),
    ("errors", "skip_all_images_at_listing", err({"type": "image_folder", "path": D + "images_messy",
                                                  "classes": ["dog"], "on_error": "skip"}, [], "SF_EMPTY_SOURCE",
                                                 "images_messy", "SF_IMAGE_LABEL")),
    ("errors", "skip_still_raises_empty_class", err({"type": "class_folder", "path": D + "classes_empty_class",
                                                     "on_error": "skip"}, [], "SF_LAYOUT", "cat")),
    ("errors", "skip_still_raises_header", err(csv("messy.csv", features=["zzz"], on_error="skip"), [],
                                               "SF_CSV_HEADER", "zzz")),
    ("errors", "pairs_messy_raise", err({"type": "paired_folders", "path": D + "pairs_messy"}, [], "SF_LAYOUT",
                                        "notes.txt")),
    ("errors", "skip_take_then_global_shuffle", err({"type": "image_folder", "path": D + "images_messy",
                                                     "on_error": "skip"}, [op("take", count=3), op("shuffle", seed=1)],
                                                    "SF_SHUFFLE_BUFFER", "buffer_size")),
    ("errors", "packed_tampered", err(PACKED("tampered"), [], "SF_PACK_CHECKSUM", "shard-00001.safetensors")),
    ("errors", "packed_truncated", err(PACKED("truncated"), [], "SF_PACK_CHECKSUM", "shard-00001.safetensors")),
    ("errors", "packed_unfinished", err(PACKED("unfinished"), [], "SF_PACK_FORMAT", "unfinished", "resume")),
    ("errors", "packed_bad_version", err(PACKED("bad_version"), [], "SF_PACK_FORMAT", "version")),
    ("errors", "packed_missing", err(PACKED("nowhere"), [], "SF_FILE_NOT_FOUND", "nowhere")),
    ("errors", "packed_seed_sequential", err(PACKED("images16", seed=3), [], "SF_ARG", "seed")),
    ("errors", "packed_global_without_seed", err(PACKED("images16", order="global"), [], "SF_SEED", "seed")),
    ("errors", "spec_unknown_op", err({"type": "range", "n": 5}, [op("frobnicate")], "SF_SPEC", "frobnicate")),
]


# Packs the reference writes into shared_fixtures/packs/<name>/ (SPEC §9); each is also a
# writer case (cases/pack/<name>.json): packing `spec` with `key` must give these exact shards.
PACKS = [
    ("images16", {"spec": {"source": {"type": "image_folder", "path": D + "images_same_size"}, "ops": []},
                  "summary": "image_folder(images_same_size)", "key": "golden:images16", "shard_bytes": 2000,
                  "variable": []}),
    ("xy", {"spec": {"source": XY, "ops": [{"op": "map", "fn": "normalize", "mean": 0.5, "std": 2}]},
            "summary": "csv(xy.csv) -> map(normalize)", "key": "golden:xy", "shard_bytes": 1000, "variable": []}),
    ("encoded", {"spec": {"source": {"type": "image_folder", "path": D + "images", "decode": False}, "ops": []},
                 "summary": "image_folder(images)", "key": "golden:encoded", "shard_bytes": 4096,
                 "variable": ["0"]}),
]
