#pragma once

#include <string_view>

namespace linecast::interest_scripts {

// The Redis side of interest propagation (docs/PROTOCOL.md, "Cluster"), as
// Lua scripts so that each step is atomic in Redis: a node that loads a set
// sees it either before or after an advertisement, with the matching seq.
//
// Keys: linecast:interest:<id> (SET of 'c'<channel> / 'p'<glob>),
// linecast:interest-seq:<id> (the node's advertisement counter, kept by
// Redis so that a restarted node continues it), linecast:nodes (ZSET: node
// id -> Redis time in ms of its last heartbeat).

inline constexpr std::string_view kNodes = "linecast:nodes";
inline constexpr std::string_view kSetPrefix = "linecast:interest:";
inline constexpr std::string_view kSeqPrefix = "linecast:interest-seq:";
// Each node's own channel, which its subscribe link holds for as long as it
// runs: acknowledgments of its advertisements come there (not to every
// node), and whether a node's link is still subscribed shows there.
inline constexpr std::string_view kNodeChannelPrefix = "linecast:node:";

// The seq as 8 little-endian bytes: Lua's numbers are doubles, exact to
// 2^53, far beyond any count of advertisements.
#define LINECAST_LUA_SEQ_BYTES                                              \
  "local function le64(n) local b = {} for i = 1, 8 do b[i] = string.char(n % 256) " \
  "n = math.floor(n / 256) end return table.concat(b) end "

// KEYS: set, seq. ARGV: node id, kind ('C' change, 'R' reset), the
// message's names part (InterestMessage's encoding), k, then k ids of
// nodes this node dropped, then one member per argument with '+' (add) or
// '-' (remove) in front. Publishes the whole InterestMessage on
// linecast:interest; returns {seq, receivers, the dropped nodes whose link
// still received it}: a node dropped for silence (stopped, cut off) may
// still be subscribed, and will not answer in time.
inline constexpr std::string_view kAdvertise =
    LINECAST_LUA_SEQ_BYTES
    "if ARGV[2] == 'R' then redis.call('DEL', KEYS[1]) end "
    "local k = tonumber(ARGV[4]) "
    "for i = 5 + k, #ARGV do "
    "  local m = ARGV[i] "
    "  if string.sub(m, 1, 1) == '+' then redis.call('SADD', KEYS[1], string.sub(m, 2)) "
    "  else redis.call('SREM', KEYS[1], string.sub(m, 2)) end "
    "end "
    "local seq = redis.call('INCR', KEYS[2]) "
    "local n = redis.call('PUBLISH', 'linecast:interest', "
    "  'LI' .. ARGV[2] .. string.char(#ARGV[1]) .. ARGV[1] .. le64(seq) .. ARGV[3]) "
    "local silent = {} "
    "for i = 5, 4 + k do "
    "  if redis.call('PUBSUB', 'NUMSUB', 'linecast:node:' .. ARGV[i])[2] > 0 then "
    "    silent[#silent + 1] = ARGV[i] end "
    "end "
    "return {seq, n, silent}";

// KEYS: nodes. ARGV: node id. The heartbeat in Redis's own clock (so
// nodes with skewed clocks do not declare each other dead), and the whole
// set read back. Returns {added (1: this node was not listed, it had been
// dropped), now in ms, {id, score, id, score, ...}}.
inline constexpr std::string_view kHeartbeat =
    "local t = redis.call('TIME') "
    "local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
    "local added = redis.call('ZADD', KEYS[1], ms, ARGV[1]) "
    "return {added, ms, redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')}";

// KEYS: set, seq. Returns {seq ('0' if none), {members}}.
inline constexpr std::string_view kLoad =
    "return {redis.call('GET', KEYS[2]) or '0', redis.call('SMEMBERS', KEYS[1])}";

// KEYS: nodes, set, seq. ARGV: node id, cutoff ms (a heartbeat older than
// it is stale; 'inf' for this node leaving). Removes the node if it is
// still stale when Redis runs this (it may have beaten meanwhile) and tells
// the others; returns 1 if removed.
inline constexpr std::string_view kSweep =
    "local s = redis.call('ZSCORE', KEYS[1], ARGV[1]) "
    "if ARGV[2] == 'inf' or (s and tonumber(s) < tonumber(ARGV[2])) then "
    "  redis.call('ZREM', KEYS[1], ARGV[1]) redis.call('DEL', KEYS[2], KEYS[3]) "
    "  redis.call('PUBLISH', 'linecast:interest', "
    "    'LIG' .. string.char(#ARGV[1]) .. ARGV[1] .. string.rep(string.char(0), 8)) "
    "  return 1 "
    "end return 0";

#undef LINECAST_LUA_SEQ_BYTES

}  // namespace linecast::interest_scripts
