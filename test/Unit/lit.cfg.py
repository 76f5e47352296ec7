# GoogleTest binaries run from the same suite (as CIRCT's test/Unit).
import os
import lit.formats

config.name = "MHA-Unit"
config.suffixes = []
config.test_source_root = os.path.join(config.mha_obj_root, "unittests")
config.test_exec_root = config.test_source_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
