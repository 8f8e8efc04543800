# Builds the `tellonce` binary and ships it on a slim Debian.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends cmake clang && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked -p api --bin tellonce

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/tellonce --create-home tellonce
COPY --from=build /src/target/release/tellonce /usr/local/bin/tellonce
USER tellonce
WORKDIR /var/lib/tellonce
ENV TELLONCE_BIND=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["tellonce"]
CMD ["serve"]
