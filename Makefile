# detc: build, test and check. `make help` lists the targets.

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     := bin/detc

# What the tests run besides Go: Microsoft's Kusto.Language parser (npm,
# pinned by package-lock.json; backends/kql/kqlcheck/install.sh), Apache
# Lucene 8 with javac to build the checker (Debian packages;
# backends/elastic/checker/install.sh), named-checkzone (bind9-utils) and
# squid for the block lists, gitleaks (Go module proxy, pinned) for the
# secret-scanning rules, Debian's Chromium, which the catalog and
# playground tests drive (cmd/detc/site_browser_test.go), and the W3C's Nu
# Html Checker (npm vnu-jar, runs on Java), which checks every page of the
# catalog.
KQLCHECK := backends/kql/kqlcheck
KQLMARK  := $(KQLCHECK)/node_modules/.package-lock.json
HTMLCHECK := internal/site/htmlcheck
HTMLMARK  := $(HTMLCHECK)/node_modules/.package-lock.json
TOOLS    := bin/tools
GITLEAKS_VERSION := v8.30.1
GITLEAKS := $(TOOLS)/gitleaks

# apt-get needs root; a developer who is not root gets sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all help build run test bench fuzz lint fmt deps clean

all: build

help:
	@echo "make build   build $(BIN)"
	@echo "make run     build, then run 'detc build' over detections/ into out/ (catalog: out/site/index.html)"
	@echo "make test    install the test dependencies (make deps), then go test ./..."
	@echo "make bench   run the Go benchmarks"
	@echo "make fuzz    run every fuzz target for FUZZTIME each (default 10s); go test runs their seeds"
	@echo "make lint    gofmt check and go vet"
	@echo "make fmt     gofmt the Go sources and 'detc fmt' the HCL detections"
	@echo "make deps    install what the tests need (node modules, Lucene, javac, named-checkzone, squid,"
	@echo "             gitleaks, chromium, the HTML checker); quiet when present"

build:
	$(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/detc

run: build
	./$(BIN) build --out out detections

test: deps
	DETC_REQUIRE_CHECKERS=1 $(GO) test -timeout 30m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Every Fuzz function of every package, each for FUZZTIME. New inputs that
# fail land in the package's testdata/fuzz/<target>/, where go test runs
# them from then on.
FUZZTIME ?= 10s

fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fmt: build
	gofmt -w $$(git ls-files '*.go')
	./$(BIN) fmt detections

deps: $(KQLMARK) $(HTMLMARK) $(GITLEAKS)
	@command -v javac >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openjdk-17-jdk-headless >/dev/null; }
	@dpkg -s liblucene8-java >/dev/null 2>&1 || sh backends/elastic/checker/install.sh
	@{ command -v named-checkzone || test -x /usr/sbin/named-checkzone; } >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq bind9-utils >/dev/null; }
	@{ command -v squid || test -x /usr/sbin/squid; } >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq squid >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# gitleaks from the Go module proxy, into bin/tools (outside go.mod: the
# project does not import it). Redone when the Makefile, which pins the
# version, changes.
$(GITLEAKS): Makefile
	@GOBIN=$(CURDIR)/$(TOOLS) GOFLAGS=-mod=mod $(GO) install github.com/zricethezav/gitleaks/v8@$(GITLEAKS_VERSION)
	@touch $@

# npm ci writes node_modules/.package-lock.json; it is redone only when
# the lock file changes.
$(KQLMARK): $(KQLCHECK)/package-lock.json $(KQLCHECK)/package.json
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	@sh $(KQLCHECK)/install.sh
	@touch $@

$(HTMLMARK): $(HTMLCHECK)/package-lock.json $(HTMLCHECK)/package.json
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	@sh $(HTMLCHECK)/install.sh
	@touch $@

clean:
	rm -rf bin out
