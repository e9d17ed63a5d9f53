# Reliability: the monitor must survive churn and faults. `make test`
# already runs the churn soak at its CI size (TestSoakChurn in ./monitor:
# 20,000 listener opens at a 100 ms interval, about a minute) and every fuzz
# target for its execution budget (scripts/fuzz-budget.txt).
#
# `make soak` runs the full size: at least 100,000 loopback listener opens
# and closes in 40 worker processes while the monitor watches at its normal
# 1 s interval (about 4 minutes); it prints the figures (churn, tracked,
# missed, duplicates, monitor heap and RSS at start and end) and keeps them
# in $(ARTIFACTS)/soak-full.txt.

.PHONY: soak

soak: deps-build
	mkdir -p $(ARTIFACTS)
	PORTLIGHT_SOAK=full $(GO) test -count=1 -timeout 30m -run '^TestSoakChurn$$' -v ./monitor/
