// A build without the io_uring backend (-DLINECAST_IO_URING=OFF): the
// config refuses --io uring before a Server exists, so none of these runs.
#include <cerrno>
#include <system_error>

#include "server.h"

namespace linecast {

void UringLoopDeleter::operator()(UringLoop*) const {}

void Server::startUring() {
  throw std::system_error(ENOSYS, std::generic_category(),
                          "this build has no io_uring backend (configure with -DLINECAST_IO_URING=ON)");
}
int Server::uringPoll(int) { return 0; }
void Server::onUringEvent(const UringEvent&) {}
void Server::uringAccepted(std::uint64_t, int) {}
Connection::WriteResult Server::uringSend(Connection&) { return Connection::WriteResult::kError; }
void Server::uringAttach(Connection&) {}
bool Server::uringAtFrameBoundary(const Connection&) const { return true; }
void Server::uringDetach(Connection&) {}
void Server::uringSubmit() {}
void Server::uringStopAccepting() {}
void Server::uringPauseRecv(Connection&) {}
bool Server::uringIdle(const Connection&) const { return true; }
void Server::uringResumeRecv(Connection&) {}

}  // namespace linecast
