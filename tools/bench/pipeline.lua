-- wrk script: sends `depth` requests per write (TechEmpower's plaintext
-- test uses 16). Usage: wrk -s tools/bench/pipeline.lua <url> -- 16
init = function(args)
  local depth = tonumber(args[1]) or 1
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format()
  end
  req = table.concat(r)
end

request = function()
  return req
end
