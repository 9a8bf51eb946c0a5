#include "auth/user_directory.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace linecast {
namespace {

std::string sha256(std::string_view bytes) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

}  // namespace

const User* UserDirectory::find(std::string_view name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : &it->second;
}

const User* UserDirectory::authenticate(std::string_view name, std::string_view password) const {
  const User* user = find(name);
  if (user == nullptr || !user->password) return nullptr;
  std::string digest = sha256(password);
  {
    std::lock_guard lock(verifiedMutex_);
    auto it = verified_.find(name);
    if (it != verified_.end() && CRYPTO_memcmp(it->second.data(), digest.data(), digest.size()) == 0) {
      return user;
    }
  }
  if (!user->password->verify(password)) return nullptr;
  std::lock_guard lock(verifiedMutex_);
  verified_.insert_or_assign(std::string(name), std::move(digest));
  return user;
}

bool UserDirectoryStore::reload(std::string& error) {
  auto fresh = UserDirectory::load(path_, error);
  if (!fresh) return false;
  current_.store(std::move(fresh));
  return true;
}

}  // namespace linecast
