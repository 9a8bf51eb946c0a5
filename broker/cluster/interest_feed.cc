#include "cluster/interest_feed.h"

#include <algorithm>

namespace linecast {
void InterestFeed::loading(std::string_view node) {
  auto it = peers_.find(node);
  if (it == peers_.end()) it = peers_.emplace(std::string(node), Peer{}).first;
  it->second.loading = true;
  view_.expect(node);
  std::erase(reloads_, node);
}

void InterestFeed::loaded(std::string_view node, std::uint64_t seq, const std::vector<RedisInterest>& names) {
  auto it = peers_.find(node);
  if (it == peers_.end() || !it->second.loading) return;  // gone meanwhile, or not asked for
  Peer& peer = it->second;
  peer.loading = false;
  peer.known = true;
  peer.applied = seq;
  view_.replaceNode(node, names);
  std::map<std::uint64_t, InterestNotice> kept = std::move(peer.kept);
  peer.kept.clear();
  for (auto& [number, kept_notice] : kept) notice(node, kept_notice);
}

void InterestFeed::notice(std::string_view node, const InterestNotice& notice) {
  auto it = peers_.find(node);
  if (it == peers_.end()) it = peers_.emplace(std::string(node), Peer{}).first;
  Peer& peer = it->second;
  if (peer.loading) {
    peer.kept.emplace(notice.seq, notice);
    return;
  }
  if (notice.reset) {
    // The node's whole set: in order whatever came before, unless older.
    if (peer.known && notice.seq <= peer.applied) return;
    return apply(node, peer, notice);
  }
  if (!peer.known || notice.seq > peer.applied + 1) return missed(node, peer);
  if (notice.seq <= peer.applied) return;  // a duplicate
  apply(node, peer, notice);
}

void InterestFeed::apply(std::string_view node, Peer& peer, const InterestNotice& notice) {
  peer.known = true;
  peer.applied = notice.seq;
  if (notice.reset) {
    std::erase(reloads_, node);  // the whole set is here: no load needed
    return view_.replaceNode(node, notice.gained);
  }
  for (const RedisInterest& name : notice.lost) view_.remove(node, name.pattern, name.text);
  for (const RedisInterest& name : notice.gained) view_.add(node, name.pattern, name.text);
}

// Counts as wanting everything until loaded again.
void InterestFeed::missed(std::string_view node, Peer& peer) {
  peer.known = false;
  view_.expect(node);
  if (std::find(reloads_.begin(), reloads_.end(), node) == reloads_.end()) reloads_.emplace_back(node);
}

void InterestFeed::gone(std::string_view node) {
  auto it = peers_.find(node);
  if (it != peers_.end()) peers_.erase(it);
  std::erase(reloads_, node);
  view_.dropNode(node);
}

void InterestFeed::linkLost() {
  view_.linkLost();
  for (auto& [node, peer] : peers_) {
    peer.loading = false;
    peer.known = false;
    peer.kept.clear();
    if (std::find(reloads_.begin(), reloads_.end(), node) == reloads_.end()) reloads_.push_back(node);
  }
}

std::vector<std::string> InterestFeed::takeReloads() {
  std::vector<std::string> out;
  out.swap(reloads_);
  return out;
}

}  // namespace linecast
