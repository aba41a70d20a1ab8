# Postern gateway image. Runs on MongoDB only (no embedded database, no Java):
#   docker build -t postern .
#   docker run -e MONGODB_URI='mongodb://db:27017/?replicaSet=rs0' \
#              -e POSTERN_SECRET_KEY="$(openssl rand -base64 32)" -p 4000:4000 postern

# --- build: install everything, compile TypeScript, then keep production dependencies only ---------
FROM node:24-slim AS build
WORKDIR /app
# The postinstall script would build the embedded database with Java/Maven: not in the image.
ENV POSTERN_SKIP_EMBEDDED_DB=1
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schema ./schema
COPY web ./web
COPY src ./src
COPY bench ./bench
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: compiled code, production node_modules and the SDL, as an unprivileged user ---------
FROM node:24-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    POSTERN_EMBEDDED_DB=false \
    POSTERN_SEED_DEMO=false
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schema ./schema
COPY --from=build /app/web ./web
# The image's `node` user (uid 1000) owns nothing in /app: the code is read-only to the process.
USER node
EXPOSE 4000
# /healthz answers 200 while the process runs (/readyz, which also pings the database, is for
# load balancers and orchestrators' readiness probes).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: stop accepting, let in-flight requests finish (up to 8s), close the database, exit 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
