-- wrk script: POST /v1/verify, each request the next body of the JSON-lines file BENCH_BODIES
-- (each thread starts at its own offset), with the API key BENCH_KEY. Set by chains.sh.
local bodies = {}
local idx = 0
local headers = {}

init = function(args)
  local f = assert(io.open(os.getenv("BENCH_BODIES"), "r"))
  for line in f:lines() do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  f:close()
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
  idx = math.random(#bodies)
end

request = function()
  idx = idx % #bodies + 1
  return wrk.format("POST", "/v1/verify", headers, bodies[idx])
end

done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d duration_s=%.2f rps=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
