#!/usr/bin/env bash
# Builds an image with no registry and no Docker engine, then smoke-tests it: a debootstrap bookworm base is
# `podman import`ed, the target (cpu by default, or gpu) is built on it with --isolation chroot, and the image's
# exported root file system runs the service in a chroot (podman run cannot set rlimits here) until /health/ready
# answers 200. Without a GPU the gpu image serves through OpenVINO on the CPU, so its smoke proves the install only.
#
# Usage (as root, from anywhere):  [ICH_TARGET=gpu] deploy/build_and_smoke.sh [base|build|smoke|all]   (default: all)
# Needs: debootstrap, podman, curl (apt-get install debootstrap podman curl), network to Debian and PyPI for the
# base and build steps. Slow (the gpu build installs TensorFlow and CUDA); run it outside CI.
# Settings (environment): ICH_TARGET (cpu|gpu), ICH_WORK (scratch dir), DEBIAN_MIRROR, SMOKE_PORT, SMOKE_TIMEOUT (s),
# PODMAN_OPTS.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${ICH_WORK:-/var/tmp/ich-build}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE_IMAGE=localhost/ich-base:bookworm
TARGET=${ICH_TARGET:-cpu}
IMAGE=localhost/ich-service:$TARGET
SMOKE_PORT=${SMOKE_PORT:-18080}
SMOKE_TIMEOUT=${SMOKE_TIMEOUT:-600}
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
# cgroupfs and file events work inside containers and sandboxes without systemd.
read -r -a PODMAN <<<"podman ${PODMAN_OPTS:---cgroup-manager=cgroupfs --events-backend=file}"

log() { printf '[build_and_smoke] %s\n' "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "$tool not found (apt-get install debootstrap podman curl)"
    done
    [[ $EUID -eq 0 ]] || die "run as root (debootstrap, mounts and chroot need it)"
}

build_base() {
    need debootstrap podman
    local rootfs=$WORK/base-rootfs
    rm -rf --one-file-system "$rootfs"
    mkdir -p "$rootfs"
    # minbase plus what the Dockerfile needs from BASE: Python 3.11 with venv, useradd, a CA bundle for pip.
    log "debootstrap bookworm into $rootfs"
    debootstrap --variant=minbase --include=python3,python3-venv,passwd,ca-certificates \
        bookworm "$rootfs" "$MIRROR"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    chroot "$rootfs" python3 --version >&2
    log "podman import -> $BASE_IMAGE"
    tar -C "$rootfs" -c . | "${PODMAN[@]}" import --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE"
    rm -rf --one-file-system "$rootfs"
}

build_image() {
    need podman
    # --format docker keeps HEALTHCHECK (OCI images drop it); --pull never: the base exists only locally.
    log "podman build --target $TARGET on $BASE_IMAGE -> $IMAGE"
    "${PODMAN[@]}" build --isolation chroot --format docker --pull=never \
        -v "$CA_BUNDLE:$CA_BUNDLE:ro" \
        --build-arg "BASE=$BASE_IMAGE" --target "$TARGET" -t "$IMAGE" "$REPO"
    "${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "[build_and_smoke] image size: %.0f MB\n", $1/1e6}' >&2
}

# Prints the image config field (Env, Cmd, User, WorkingDir, Healthcheck) as JSON.
image_config() { "${PODMAN[@]}" image inspect --format "{{json .Config.$1}}" "$IMAGE"; }

export_rootfs() {
    local root=$1 container
    rm -rf --one-file-system "$root"
    mkdir -p "$root"
    # create only records a container (no process, no rlimits), which is all export needs.
    container=$("${PODMAN[@]}" create "$IMAGE")
    "${PODMAN[@]}" export "$container" | tar -C "$root" -x
    # Without systemd, podman logs an error about a healthcheck timer it never created; the exit code still counts.
    "${PODMAN[@]}" rm "$container" >/dev/null 2>&1
}

smoke() {
    need podman curl chroot unshare
    local root=$WORK/image-rootfs
    log "podman export $IMAGE -> $root"
    export_rootfs "$root"
    local env_json cmd_json user workdir health_json
    env_json=$(image_config Env); cmd_json=$(image_config Cmd); user=$(image_config User | tr -d '"')
    workdir=$(image_config WorkingDir | tr -d '"'); health_json=$(image_config Healthcheck)
    [[ $user =~ ^[1-9][0-9]*(:[0-9]+)?$ ]] || die "image user is '$user', expected a numeric non-root uid"
    [[ $health_json == *"/health/ready"* ]] || die "image HEALTHCHECK does not probe /health/ready: $health_json"
    # A private mount namespace: /proc and /dev vanish with it, so nothing is left mounted inside $root.
    unshare --mount --propagation private -- bash -euo pipefail -c "$(declare -f log die smoke_in_chroot)
        smoke_in_chroot \"\$@\"" smoke "$root" "$user" "$workdir" "$env_json" "$cmd_json" "$health_json" \
        "$SMOKE_PORT" "$SMOKE_TIMEOUT"
    rm -rf --one-file-system "$root"
    log "PASS: $IMAGE served /health/ready, /v1/models and /v1/predict from a chroot of its root file system"
}

# Runs inside the private mount namespace. Starts the image's own CMD with the image's own ENV and USER,
# only moving the port and the bind address so it cannot clash with a service already on 8000.
smoke_in_chroot() {
    local root=$1 user=$2 workdir=$3 env_json=$4 cmd_json=$5 health_json=$6 port=$7 timeout=$8
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs tmpfs "$root/tmp"
    local -a env cmd health
    mapfile -t env < <(python3 -c 'import json,sys; print(*json.loads(sys.argv[1]), sep="\n")' "$env_json")
    mapfile -t cmd < <(python3 -c 'import json,sys; print(*json.loads(sys.argv[1]), sep="\n")' "$cmd_json")
    mapfile -t health < <(python3 -c 'import json,sys; print(*json.loads(sys.argv[1])["Test"][1:], sep="\n")' "$health_json")
    env+=("ICH_PORT=$port" "ICH_HOST=127.0.0.1")
    local base="http://127.0.0.1:$port" log_file=$root/tmp/uvicorn.log
    # The inner sh expands $0 (the image's WORKDIR) and $@ (its CMD), not this shell.
    # shellcheck disable=SC2016
    chroot --userspec="$user" "$root" /usr/bin/env -i "${env[@]}" sh -c 'cd "$0" && exec "$@"' "$workdir" "${cmd[@]}" \
        >"$log_file" 2>&1 &
    local pid=$! waited=0
    trap 'kill "$pid" 2>/dev/null || true' EXIT
    until [[ $(curl -s -o /dev/null -w '%{http_code}' "$base/health/ready") == 200 ]]; do
        kill -0 "$pid" 2>/dev/null || { cat "$log_file" >&2; die "uvicorn exited before it was ready"; }
        (( waited < timeout )) || { cat "$log_file" >&2; die "not ready after ${timeout}s"; }
        sleep 5; waited=$((waited + 5))
    done
    log "ready after about ${waited}s"
    curl -sf "$base/health/live" >/dev/null || die "/health/live failed"
    curl -sf "$base/v2/health/ready" >/dev/null || die "/v2/health/ready failed"
    curl -sf "$base/v1/models" >/dev/null || die "/v1/models failed"
    # On a CPU either image must run the models through OpenVINO (ICH_ENGINE=auto), or it silently serves slower.
    curl -sf "$base/v1/info" | grep -q '"engine":"openvino"' || die "/v1/info does not report the OpenVINO engine"
    # ... and without importing TensorFlow (the CPU image does not even contain it).
    curl -sf "$base/v1/info" | grep -q '"tensorflow":"not loaded"' || die "/v1/info says TensorFlow was loaded"
    # The image's HEALTHCHECK command itself, as the container runtime would run it.
    chroot --userspec="$user" "$root" /usr/bin/env -i "${env[@]}" "${health[@]}" || die "HEALTHCHECK command failed"
    # One real prediction on a uniform brain-window PNG made with the image's own OpenCV.
    chroot --userspec="$user" "$root" /usr/bin/env -i "${env[@]}" python -c \
        'import cv2, numpy; cv2.imwrite("/tmp/slice.png", numpy.full((256, 256), 40, numpy.uint8))'
    local status
    status=$(curl -s -o "$root/tmp/predict.json" -w '%{http_code}' -F "image=@$root/tmp/slice.png;type=image/png" \
        "$base/v1/predict")
    [[ $status == 200 ]] || { cat "$root/tmp/predict.json" >&2; die "/v1/predict answered $status"; }
    log "predict: $(head -c 300 "$root/tmp/predict.json")"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    trap - EXIT
}

main() {
    case $TARGET in
        cpu | gpu) ;;
        *) die "unknown ICH_TARGET '$TARGET' (cpu|gpu)" ;;
    esac
    mkdir -p "$WORK"
    case ${1:-all} in
        base) build_base ;;
        build) build_image ;;
        smoke) smoke ;;
        all) build_base; build_image; smoke ;;
        *) die "unknown step '$1' (base|build|smoke|all)" ;;
    esac
}

main "$@"
