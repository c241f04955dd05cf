-- wrk script of bench/load.py: a method, a pool of cookies, and a JSON summary.
--
--   wrk -t1 -c16 -d10s -s bench/wrk.lua http://127.0.0.1:PORT/auth/me -- GET cookies.txt [PACE]
--
-- Arguments after "--": the method, then a file with one Cookie header value per line ("-" for
-- no cookie), then optionally PACE, milliseconds each connection waits between a response and
-- its next request (default 0: as fast as the server answers). Each request takes the next cookie of the pool, so many sessions or guests share
-- the load, as real visitors do: one hot session or guest row would measure lock waits instead.
-- Every request says it came through the TLS proxy (X-Forwarded-Proto), as behind the hosting
-- proxy in production; without it the prod settings answer a redirect to https.

local method = "GET"
local cookies = {}
local next_cookie = 0
local pace = 0

function init(args)
   method = args[1] or "GET"
   local path = args[2]
   if path and path ~= "-" then
      for line in io.lines(path) do
         if #line > 0 then
            cookies[#cookies + 1] = line
         end
      end
   end
   pace = tonumber(args[3] or "0")
   -- Threads start at different places in the pool.
   next_cookie = math.random(math.max(#cookies, 1))
end

function request()
   local headers = {}
   for name, value in pairs(wrk.headers) do
      headers[name] = value
   end
   headers["X-Forwarded-Proto"] = "https"
   if #cookies > 0 then
      next_cookie = next_cookie % #cookies + 1
      headers["Cookie"] = cookies[next_cookie]
   end
   local body = nil
   if method ~= "GET" then
      body = "" -- an empty POST, with Content-Length: 0 as browsers send it
   end
   return wrk.format(method, nil, headers, body)
end

function delay()
   return pace
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, '
         .. '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "errors": {"connect": %d, '
         .. '"read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status,
      e.timeout))
end
