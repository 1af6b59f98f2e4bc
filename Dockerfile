# LobbyEdge branch service. Multi-stage: build with the SDK, run on the ASP.NET runtime image (Kestrel serves
# /metrics, /healthz, /readyz and /api/state).
# Build for the box's architecture with buildx, e.g.:
#   docker buildx build --platform linux/arm64,linux/amd64 -t lobby-edge .
# Not built in this repository's CI (no Docker engine there); kept correct by review.
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props global.json .editorconfig ./
COPY src/ src/
RUN dotnet restore src/LobbyEdge.Service/LobbyEdge.Service.csproj -a "$TARGETARCH"
# The JIT build on the ASP.NET runtime image (the SDK image has no clang for Native AOT; a branch box runs the AOT
# executable, see the README's "Install on a Raspberry Pi").
RUN dotnet publish src/LobbyEdge.Service/LobbyEdge.Service.csproj -c Release -a "$TARGETARCH" --no-restore \
      --self-contained false -p:PublishAot=false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# tzdata: branch time zones; the service runs as an unprivileged user that owns only its data directory.
RUN apt-get update && apt-get install -y --no-install-recommends tzdata && rm -rf /var/lib/apt/lists/* \
    && groupadd --system lobby && useradd --system --gid lobby --home-dir /var/lib/lobby-edge lobby \
    && mkdir -p /var/lib/lobby-edge /etc/lobby-edge && chown lobby:lobby /var/lib/lobby-edge
WORKDIR /app
COPY --from=build /app ./
COPY hardware-profiles/ /etc/lobby-edge/hardware-profiles/
USER lobby
VOLUME ["/var/lib/lobby-edge"]
# Serial and GPIO devices are passed through at run time, e.g.:
#   docker run --device /dev/serial/by-id/usb-...:/dev/ttyUSB0 --device /dev/gpiochip0 \
#     --group-add dialout --group-add gpio -v lobby-data:/var/lib/lobby-edge lobby-edge
ENTRYPOINT ["dotnet", "/app/lobby-edge.dll"]
CMD ["--branch", "/etc/lobby-edge/hardware-profiles/branches/demo.yaml", "--data", "/var/lib/lobby-edge"]
