# syntax=docker/dockerfile:1
# Build: docker build -t fundbot .
# Run:   docker run --rm -p 8080:8080 -e TELEGRAM_BOT_TOKEN=... fundbot

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static binary: no libc needed in the final image. Time zones are embedded (time/tzdata).
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/fundbot ./cmd/fundbot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/fundbot /usr/local/bin/fundbot
# The embedded store (used when REDIS_URL is not set) keeps its file here.
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV FUNDBOT_DATA_DIR=/data \
    FUNDBOT_HTTP_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/fundbot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/fundbot"]
CMD ["serve"]
