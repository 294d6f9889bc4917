# geodatastore: the commands of shared/API.md §1. Every target finds a JDK 21+ by itself.
SHELL := /bin/bash
.DEFAULT_GOAL := build

JAVA_HOME := $(shell scripts/find-jdk)
ifeq ($(JAVA_HOME),)
$(error no JDK 21+ found: see the message above)
endif
export JAVA_HOME
export PATH := $(JAVA_HOME)/bin:$(PATH)

MVN := ./mvnw -B -ntp
# Extra Maven flags, e.g. make test MVN_FLAGS=-o
MVN_FLAGS ?=

.PHONY: build test test-comprehensive bench start-cluster stop-cluster format clean

build:
	$(MVN) $(MVN_FLAGS) -DskipTests install

test:
	$(MVN) $(MVN_FLAGS) spotless:check install

# make test plus the long suites: many more property tries, the comprehensive-tagged tests.
test-comprehensive:
	$(MVN) $(MVN_FLAGS) spotless:check install -Djqwik.tries.default=5000 -Dsurefire.excludedGroups=none

bench: build
	scripts/bench

start-cluster:
	@echo "make start-cluster: the geo-cluster (issue 5) is not built yet; run one node with bin/geods node --help." >&2
	@exit 1

stop-cluster:
	@echo "make stop-cluster: the geo-cluster (issue 5) is not built yet." >&2
	@exit 1

format:
	$(MVN) $(MVN_FLAGS) spotless:apply

clean:
	$(MVN) $(MVN_FLAGS) clean
