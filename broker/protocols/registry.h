#pragma once

#include <memory>
#include <vector>

#include "config.h"
#include "net/listener_spec.h"
#include "protocols/protocol.h"

namespace linecast {

class Broker;
class ClientDirectory;

// The registration: every protocol this build speaks, and which listener
// speaks which. This is the one file outside protocols/<name>/ that names
// them; adding a protocol adds a line to each function.

// The protocol handlers of reactor thread `thread`, bound to its Broker and
// its ClientDirectory.
std::vector<std::unique_ptr<Protocol>> makeProtocols(Broker& broker, ClientDirectory& clients, const Config& config,
                                                     std::size_t thread = 0);

// The listener table the configuration asks for. The first row is the main
// port (Server::port()).
std::vector<ListenerSpec> listenerTable(const Config& config);

}  // namespace linecast
