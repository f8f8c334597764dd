# syntax=docker/dockerfile:1
# Netronome in a container: built with Bun from this checkout, run as a non-root user on Debian slim with the tools
# its tests drive. See the README's "Docker" section.
#   docker build -t netronome .
#   docker run -d --cap-drop=ALL --cap-add=NET_RAW -p 7575:7575 -v netronome:/data netronome

FROM node:22-bookworm-slim AS build
WORKDIR /src
# Bun comes from npm, like every other dependency (package-lock.json pins it).
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ARG TARGETARCH
ARG NETRONOME_VERSION=""
ARG NETRONOME_COMMIT=unknown
ARG NETRONOME_REPOSITORY=""
# x86-64 images use Bun's baseline runtime, which runs on CPUs without AVX2 (many homelab Atoms and Celerons).
RUN export PATH="/src/node_modules/.bin:$PATH" \
      NETRONOME_VERSION NETRONOME_COMMIT NETRONOME_REPOSITORY \
      NETRONOME_TARGET="$([ "$TARGETARCH" = amd64 ] && echo bun-linux-x64-baseline || true)" \
 && bash scripts/build.sh /out/netronome \
 && /out/netronome version

FROM debian:bookworm-slim
# The probes: iperf3, mtr, traceroute, ping; vnstat for `netronome agent`; tini as PID 1 (signals, zombie reaping).
# mtr-packet and ping get CAP_NET_RAW as file capabilities instead of setuid root, so that the non-root user can send
# ICMP when the container has NET_RAW (Docker's default, and what the compose files ask for).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates tzdata tini iperf3 mtr-tiny traceroute iputils-ping vnstat libcap2-bin \
 && chmod u-s /usr/bin/mtr-packet \
 && setcap cap_net_raw+ep /usr/bin/mtr-packet \
 && setcap cap_net_raw+ep /usr/bin/ping \
 && apt-get purge -y libcap2-bin && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1000 netronome \
 && useradd --uid 1000 --gid 1000 --home-dir /data --no-create-home --shell /usr/sbin/nologin netronome \
 && mkdir /data && chown netronome:netronome /data

COPY --from=build /out/netronome /usr/local/bin/netronome

# HOME=/data: the config (/data/.config/netronome/config.toml, if you create one) and, without one, netronome.db live
# in the volume. Listening on 0.0.0.0 is what makes the published port reachable.
ENV HOME=/data NETRONOME__HOST=0.0.0.0
WORKDIR /data
VOLUME /data
EXPOSE 7575
USER netronome
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/netronome"]
CMD ["serve"]
