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

# Builds first when the launcher's jar is missing or older than any source, pom or proto.
start-cluster:
	@jar=$$(ls node/target/geodatastore-node-*.jar 2>/dev/null | head -1); \
	if [ "$${GEODS_NO_BUILD:-0}" != 1 ] && { [ -z "$$jar" ] || [ -n "$$(find . \( -name target -o -name build -o -name .git \) -prune -o \( -name '*.java' -o -name '*.proto' -o -name pom.xml -o -name '*.properties' -o -name '*.xml' \) -newer "$$jar" -print -quit)" ]; }; then \
	  echo "make start-cluster: building first"; \
	  $(MVN) $(MVN_FLAGS) -q -DskipTests install || exit 1; \
	fi
	scripts/cluster start

stop-cluster:
	scripts/cluster stop

format:
	$(MVN) $(MVN_FLAGS) spotless:apply

clean:
	$(MVN) $(MVN_FLAGS) clean
