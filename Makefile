# quire: the mobile-print gateway. Plain make + pkg-config; see README.md.
#
#   make run     install missing packages, build, start quired on http://localhost:8631
#   make test    install missing packages, build, run every test
#   make bench   quired against cupsd on loopback (tests/bench/)

# The one list of Debian packages quire needs to build, run, test and benchmark.
PACKAGES = build-essential pkg-config libcups2-dev libmicrohttpd-dev libsqlite3-dev \
           libglib2.0-dev libjson-glib-dev libssl-dev zlib1g-dev libcairo2-dev libjpeg62-turbo-dev \
           libavahi-client-dev avahi-daemon avahi-utils dbus iproute2 bind9 bind9-utils bind9-dnsutils \
           cups-ipp-utils cups-client cups-daemon ghostscript python3 valgrind procps strace \
           libcsv-dev sqlite3

CC      ?= cc
PKGS     = libmicrohttpd glib-2.0 json-glib-1.0 sqlite3 libcrypto zlib cairo avahi-client
WARN     = -Wall -Wextra -Wshadow -Wformat=2 -Werror
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -pthread $(WARN) $(CFLAGS) -MMD -MP \
             $(shell pkg-config --cflags $(PKGS)) $(shell cups-config --cflags)
LIBS     = $(shell pkg-config --libs $(PKGS)) $(shell cups-config --libs) -lcsv -lpthread

B = build
.DEFAULT_GOAL := all

STORE_OBJS = $(B)/core/store-sqlite.o $(B)/core/store-sqlite-jobs.o $(B)/core/store-sqlite-users.o \
             $(B)/core/store-sqlite-accounting.o \
             $(B)/core/store-sqlite-devices.o $(B)/core/store-sqlite-audit.o
STORE_OBJS += $(B)/core/store-sqlite-queues.o

CORE_OBJS = $(B)/core/config.o $(B)/core/log.o $(STORE_OBJS) $(B)/core/spool.o \
            $(B)/core/auth.o $(B)/core/system.o $(B)/core/job.o $(B)/core/util.o \
            $(B)/core/advert.o $(B)/core/ticket.o $(B)/core/render-run.o $(B)/core/analyzer.o \
            $(B)/core/users.o $(B)/core/users-import.o $(B)/core/accounting.o \
            $(TLS_OBJS) $(DEVICE_OBJS)
CORE_OBJS += $(B)/core/testpage.o $(B)/core/drawbuf.o
CORE_OBJS += $(B)/core/users-admin.o
CORE_OBJS += $(B)/core/system-console.o $(B)/core/settings.o
TLS_OBJS  = $(B)/core/tls.o $(B)/core/tls-selfsigned.o
DEVICE_OBJS = $(B)/core/device.o $(B)/core/device-plan.o $(B)/core/device-ipp.o \
              $(B)/core/device-monitor.o $(B)/core/forward.o $(B)/core/forward-render.o \
              $(B)/core/forward-ipp.o $(B)/core/forward-raw.o $(B)/core/job-forward.o \
              $(B)/core/release.o
IPP_OBJS  = $(B)/ipp/service.o $(B)/ipp/client.o $(B)/ipp/printer-attrs.o $(B)/ipp/job-template.o \
            $(B)/ipp/printer-ipp.o $(B)/ipp/job-ipp.o $(B)/ipp/job-attrs.o
MDNS_OBJS = $(B)/mdns/txt.o $(B)/mdns/describe.o $(B)/mdns/publisher.o $(B)/mdns/zone.o
DAEMON_OBJS = $(CORE_OBJS) $(IPP_OBJS) $(MDNS_OBJS) $(WEB_OBJS) $(B)/core/main.o
CLI_OBJS  = $(B)/core/quire-cli.o $(B)/core/config.o $(B)/core/log.o $(B)/core/util.o \
            $(STORE_OBJS) $(B)/core/auth.o $(B)/core/users.o $(B)/core/users-import.o \
            $(B)/core/accounting.o $(B)/core/cli-user.o $(B)/core/cli-accounting.o \
            $(B)/core/cli-dnssd.o $(B)/core/cli-device.o $(B)/mdns/zone.o
CLI_OBJS += $(B)/core/users-admin.o

# Each module may add objects, binaries and packages in its own Makefile part.
RENDER_BINS =
include render/render.mk
include web/web.mk
include tests/bench/bench.mk
include image/image.mk

TEST_BINS += $(B)/tests/test-store $(B)/tests/test-ipp-attrs $(B)/tests/test-spool $(B)/tests/test-mdns \
             $(B)/tests/test-users $(B)/tests/test-accounting \
             $(B)/tests/test-tls \
             $(B)/tests/test-device
TOOL_BINS += $(B)/tests/mkdocs $(B)/tests/ippload

.PHONY: all deps run test bench clean check-deps-direction asan

all: $(B)/quired $(B)/quire $(RENDER_BINS) $(TEST_BINS) $(TOOL_BINS)

# Installs whatever in PACKAGES is missing (needs root; apt-get update first).
deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/quired: $(DAEMON_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/quire: $(CLI_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/test-store: $(B)/tests/unit/test-store.o $(STORE_OBJS) $(B)/core/log.o $(B)/core/util.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/test-users: $(B)/tests/unit/test-users.o $(B)/core/users.o $(B)/core/users-import.o \
                      $(B)/core/auth.o $(STORE_OBJS) $(B)/core/log.o $(B)/core/util.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/test-accounting: $(B)/tests/unit/test-accounting.o $(B)/core/accounting.o \
                           $(STORE_OBJS) $(B)/core/log.o $(B)/core/util.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/test-device: $(B)/tests/unit/test-device.o $(B)/core/device-plan.o $(B)/core/ticket.o \
                        $(STORE_OBJS) $(B)/core/log.o $(B)/core/util.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/test-spool: $(B)/tests/unit/test-spool.o $(B)/core/spool.o $(STORE_OBJS) $(B)/core/log.o $(B)/core/util.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/test-ipp-attrs: $(B)/tests/unit/test-ipp-attrs.o $(B)/ipp/printer-attrs.o $(B)/ipp/job-template.o \
                           $(B)/core/config.o $(B)/core/log.o $(B)/core/util.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/test-mdns: $(B)/tests/unit/test-mdns.o $(B)/mdns/txt.o $(B)/mdns/zone.o \
                      $(B)/ipp/printer-attrs.o $(B)/core/config.o $(B)/core/log.o $(B)/core/util.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/test-tls: $(B)/tests/unit/test-tls.o $(TLS_OBJS) $(B)/core/log.o $(B)/core/util.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/mkdocs: $(B)/tests/tools/mkdocs.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS) -ljpeg -lm

$(B)/tests/ippload: $(B)/tests/bench/ippload.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

# Starts the appliance in the foreground with a demo queue and state under ./var/.
run:
	$(MAKE) deps
	$(MAKE) all
	@mkdir -p var
	./$(B)/quired --data-dir ./var --port 8631 --log-level info

test:
	$(MAKE) deps
	$(MAKE) all
	$(MAKE) asan
	$(MAKE) check-deps-direction
	tests/run

# quired and its tools built with AddressSanitizer, LeakSanitizer and UBSan, in build-asan/.
asan:
	$(MAKE) B=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
	  build-asan/quired build-asan/quire build-asan/tests/mkdocs $(subst $(B)/,build-asan/,$(RENDER_BINS))

bench:
	$(MAKE) deps
	$(MAKE) all
	tests/bench/run
	tests/bench/render-run

# Dependencies point one way: web -> mdns -> ipp -> core. core/ never includes ipp/ or web/, except
# core/main.c, quired's entry point, which assembles the modules.
check-deps-direction:
	@! grep -n '#include "\.\./\(ipp\|web\)/' $$(ls core/*.c core/*.h | grep -v '^core/main.c$$') || { echo "core/ must not include ipp/ or web/"; exit 1; }
	@! grep -n '#include "\.\./\(web\|mdns\)/' ipp/*.c ipp/*.h || { echo "ipp/ must not include web/ or mdns/"; exit 1; }
	@! grep -n '#include "\.\./web/' mdns/*.c mdns/*.h || { echo "mdns/ must not include web/"; exit 1; }

clean:
	rm -rf $(B) build-asan

-include $(shell find $(B) -name '*.d' 2>/dev/null)
