# Roomboard. `make` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

GO      ?= go
BIN     ?= roomboard
export LANG := en_US.UTF-8

# Debian packages the build and tests need: schema validation (xmllint), the
# NTLM front end (Apache + mod_auth_gssapi + gss-ntlmssp), a third-party EWS
# client, a third-party iCalendar parser, a real Secret Service
# (gnome-keyring), Fyne's cgo/GL build (main only), a CJK font for the
# kiosk, and Xvfb with screenshot tools for the real-window tests.
APT_BUILD := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev \
	libxxf86vm-dev fonts-noto-cjk
APT_TEST := $(APT_BUILD) libxml2-utils xsltproc apache2 libapache2-mod-auth-gssapi gss-ntlmssp python3-exchangelib \
	python3-icalendar gnome-keyring dbus ca-certificates xvfb xauth imagemagick xdotool x11-utils

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help deps build-deps apt npm-deps build screenshots test test-short bench lint fuzz demo simulate ntlm-start ntlm-stop clean

help: ## list the targets
	@grep -E '^[a-z][a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

deps: ## install the Debian packages the build and tests need (skips what is present)
	@$(MAKE) --no-print-directory apt PKGS="$(APT_TEST)"

build-deps: ## install the Debian packages the build needs (Fyne's cgo/GL headers, a CJK font)
	@$(MAKE) --no-print-directory apt PKGS="$(APT_BUILD)"

apt:
	@missing=$$(for p in $(PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	else echo "deps: all present"; fi

build: build-deps ## build ./roomboard
	$(GO) build -o $(BIN) .

npm-deps: ## install the npm packages the tests need (ical.js, from the committed lockfile)
	npm ci --prefix core/ics/testdata --no-audit --no-fund

test: deps npm-deps ntlm-start ## run every test (installs and starts what the tests need)
	@# The OS keyring test needs a session bus and an unlocked gnome-keyring;
	@# the wrapper starts both and throws them away afterwards.
	ROOMBOARD_KEYRING_REAL=1 dbus-run-session -- scripts/with-keyring.sh $(GO) test -count=1 -run SecretService ./platform/keyring
	CI=$${CI:-1} $(GO) test -race -count=1 ./...

test-short: ## run the tests without installing anything (NTLM/exchangelib tests skip if absent)
	$(GO) test -count=1 ./...

bench: ## run the benchmarks (figures go to BENCHMARKS.md)
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

lint: ## go vet, staticcheck, and a Windows cross-vet of the pure-Go packages
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	GOOS=windows $(GO) vet ./ews/... ./core/... ./platform/...
	GOOS=darwin $(GO) vet ./platform/...

fuzz: ## run each fuzz target for FUZZTIME (default 20s)
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-20s} $$pkg; \
		done; done

demo: build-deps ## run the simulator, the sync engine, a hub and two kiosks (no Exchange needed)
	$(GO) run . demo

screenshots: build-deps ## regenerate docs/screenshots with the real binary under Xvfb
	scripts/screenshots.sh docs/screenshots

simulate: ## run the Exchange simulator on 127.0.0.1:8099
	$(GO) run . simulate

ntlm-start: ## start the loopback NTLM front end (Apache + gss-ntlmssp) used by the tests
	$(SUDO) env LANG=C.UTF-8 scripts/ntlm-apache.sh start

ntlm-stop: ## stop the NTLM front end
	$(SUDO) env LANG=C.UTF-8 scripts/ntlm-apache.sh stop

clean: ## remove build output
	rm -f $(BIN)
