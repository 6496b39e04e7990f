# image/: the Debian package and the appliance disk image (issue 7; docs/image.md).
# Included by the top-level Makefile.
#
#   make deb           build/quire.deb: binaries, systemd units, /etc/quire, man pages
#   make image         build/image/quire.{img,img.zst,qcow2}, quire.manifest, SHA256SUMS
#   make image-test    builds the image, boots it under qemu (TCG) and checks it from the host
#   make image-repro   two clean builds (base included) must give the same image checksums
#
# Two stages: the base root file system (mmdebstrap, Debian 12 packages; slow) is cached in
# build/image-cache/ under a hash of what makes it; the project layer (the .deb and
# image/overlay) is added in seconds.
PACKAGES += mmdebstrap uidmap debian-archive-keyring systemd dpkg-dev binutils e2fsprogs \
            dosfstools mtools fdisk zstd qemu-utils qemu-system-x86 ovmf

# The first-boot set-up (core/setup.c: state; web/setup.c: the pages) is part of quired.
CORE_OBJS += $(B)/core/setup.o
WEB_OBJS  += $(B)/web/setup.o

IMAGE_OUT   = $(B)/image
IMAGE_CACHE = $(B)/image-cache
# Time stamps: the last commit for the project layer, the last commit that changed the base
# for the base (so that a code change does not invalidate the cached base).
IMAGE_EPOCH := $(shell git log -1 --format=%ct 2>/dev/null || echo 1700000000)
IMAGE_BASE_INPUTS = image/mkbase.sh $(wildcard image/base/*)
IMAGE_BASE_EPOCH := $(shell git log -1 --format=%ct -- $(IMAGE_BASE_INPUTS) 2>/dev/null | grep . || echo 1700000000)
IMAGE_BASE_KEY := $(shell cat $(IMAGE_BASE_INPUTS) | sha256sum | cut -c1-16)-$(IMAGE_BASE_EPOCH)
IMAGE_BASE = $(IMAGE_CACHE)/base-$(IMAGE_BASE_KEY).tar
IMAGE_DEB_FILES = $(wildcard image/deb/* image/man/*) image/mkdeb.sh

.PHONY: deb image image-test image-repro

deb: $(B)/quire.deb

$(B)/quire.deb: $(B)/quired $(B)/quire $(B)/quire-render $(IMAGE_DEB_FILES)
	SOURCE_DATE_EPOCH=$(IMAGE_EPOCH) sh image/mkdeb.sh $(B) $@

$(IMAGE_BASE): $(IMAGE_BASE_INPUTS)
	@mkdir -p $(IMAGE_CACHE)
	@echo "[image] building the base root file system (mmdebstrap; cached as $(notdir $@))"
	SOURCE_DATE_EPOCH=$(IMAGE_BASE_EPOCH) sh image/mkbase.sh $@
	@find $(IMAGE_CACHE) -name 'base-*.tar' ! -name $(notdir $@) -delete

$(B)/image/statclamp.so: image/tools/statclamp.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) -O2 -shared -fPIC -o $@ $< -ldl

image: $(IMAGE_OUT)/SHA256SUMS

$(IMAGE_OUT)/SHA256SUMS: $(IMAGE_BASE) $(B)/quire.deb $(B)/image/statclamp.so image/mkimage.sh \
                         $(shell find image/overlay -type f)
	SOURCE_DATE_EPOCH=$(IMAGE_EPOCH) sh image/mkimage.sh $(IMAGE_BASE) $(B)/quire.deb \
	  $(B)/image/statclamp.so $(IMAGE_OUT)

image-test: all
	python3 tests/integration/test_image.py --bin $(B)

# Slow (two base builds): not part of `make test`.
image-repro: all $(B)/image/statclamp.so
	QUIRE_EPOCH=$(IMAGE_EPOCH) QUIRE_BASE_EPOCH=$(IMAGE_BASE_EPOCH) sh image/repro.sh $(B)
