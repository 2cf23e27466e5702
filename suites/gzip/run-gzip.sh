#!/bin/sh
# placeholder: replaced by the suite's real runner
. "$top_srcdir/suites/lib/suite.sh"
suite_unavailable "not written yet"
