# Builds the `tellonce` binary and ships it on a slim Debian, run as a
# numeric non-root user (10001) so a runtime can check `runAsNonRoot`
# without reading /etc/passwd.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# cmake and clang build aws-lc-rs (the JWT and TLS crypto backend).
RUN apt-get update \
    && apt-get install -y --no-install-recommends cmake clang \
    && rm -rf /var/lib/apt/lists/*
COPY . .
# --locked: exactly the dependency versions in Cargo.lock, or fail.
RUN cargo build --release --locked -p api --bin tellonce

FROM debian:bookworm-slim
# ca-certificates: TLS to identity providers, OTLP endpoints, PostgreSQL.
# No curl or wget: the health check is the binary's own `tellonce health`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 tellonce \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/tellonce \
       --create-home --shell /usr/sbin/nologin tellonce
COPY --from=build /src/target/release/tellonce /usr/local/bin/tellonce
USER 10001:10001
# The SQLite default (tellonce.db) lives here: mount a volume to keep it.
WORKDIR /var/lib/tellonce
VOLUME ["/var/lib/tellonce"]
ENV TELLONCE_BIND=0.0.0.0:8080
EXPOSE 8080
# SIGTERM drains in-flight requests and checkpoints SQLite's WAL.
STOPSIGNAL SIGTERM
# GETs /readyz on 127.0.0.1 at the port of TELLONCE_BIND (5 s timeout).
HEALTHCHECK --interval=10s --timeout=6s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/tellonce", "health"]
ENTRYPOINT ["/usr/local/bin/tellonce"]
CMD ["serve"]
