#include "kselftest_harness.h"
TEST(pending) { SKIP(return, "being written"); }
TEST_HARNESS_MAIN
