#!/usr/bin/env bash
# Builds localhost/engram-prometheus:e2e, a Prometheus image for the Compose monitoring profile
# tests: no registry can be reached, so the Prometheus binary comes from Debian's package (it only
# links libc) and sits on the local distroless-like runtime base. Grafana is not built: its Go
# module is AGPL and no image can be pulled (its provisioning is checked structurally instead).
# Idempotent: an image whose recipe label matches this script is reused.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
export LOG_TAG=monitoring-images

image=localhost/engram-prometheus:e2e
base=localhost/engram-runtime-base:trixie
recipe=$(sha256sum "$0" | cut -c1-16)

if [[ $(docker image inspect -f '{{index .Config.Labels "engram.deploy.recipe"}}' "$image" 2>/dev/null || true) == "$recipe" ]]; then
  report reused "$image"
  exit 0
fi
docker image inspect "$base" >/dev/null 2>&1 || die "$base is missing: run tools/docker/ensure.sh first"

started=$(now)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt-get download runs as the _apt user when it can: give it a directory it may write.
chmod 0777 "$work"
cd "$work"
if ! apt-get download prometheus >/dev/null 2>&1; then
  apt-get update >/dev/null
  apt-get download prometheus >/dev/null
fi
dpkg-deb -x prometheus_*.deb root
mkdir -p context/prometheus-data
cp root/usr/bin/prometheus context/prometheus
version=$(dpkg-deb -f prometheus_*.deb Version)

cat >context/Dockerfile <<DOCKERFILE
FROM $base
COPY --chown=0:0 --chmod=0755 prometheus /bin/prometheus
COPY --chown=65534:65534 prometheus-data /prometheus
LABEL engram.deploy.recipe="$recipe" org.opencontainers.image.version="$version"
USER 65534:65534
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
DOCKERFILE

previous=$(image_id "$image")
run_logged "$ENGRAM_DEPLOY_CACHE/logs/build-prometheus-image.log" \
  docker buildx build --load --tag "$image" context
drop_replaced_image "$previous"
report built "$image" "prometheus $version ($(since "$started"))"
