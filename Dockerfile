# syntax=docker/dockerfile:1
# Build a static binary (pure-Go SQLite: no cgo) and run it as a non-root
# user with the config mounted at /etc/repmon/repmon.yml.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/repmon ./cmd/repmon \
 && mkdir /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/repmon /usr/local/bin/repmon
# The database lives in a volume owned by the nonroot user (uid 65532); a
# named volume copies this directory's ownership on first use.
COPY --from=build --chown=65532:65532 /out/data /var/lib/repmon
WORKDIR /var/lib/repmon
VOLUME ["/var/lib/repmon"]
EXPOSE 9464
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/repmon"]
CMD ["run", "--config", "/etc/repmon/repmon.yml"]
