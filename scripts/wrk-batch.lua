-- wrk script: POST /crdt/batch with BATCH (default 100) increments of 1 per request, on keys drawn
-- at random from KEYS (default 100000; 1 means the single key "hot").
local ops = tonumber(os.getenv("BATCH") or "100")
local keys = tonumber(os.getenv("KEYS") or "100000")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0))
end

function request()
  local parts = {}
  for i = 1, ops do
    local key = keys == 1 and "hot" or ("k" .. math.random(0, keys - 1))
    parts[i] = '{"family":"counters","key":"' .. key .. '","op":"increment","value":1}'
  end
  return wrk.format(nil, nil, nil, '{"operations":[' .. table.concat(parts, ",") .. ']}')
end
