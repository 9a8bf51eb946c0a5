"""README.md's "Remote-control tour", run as written: its subscriber commands
(Python, C#, Java, linecast-cli) against the real server, its curl commands,
and the output it promises. Only the ports (free ones instead of 7400/7401)
and the scratch paths (/tmp -> the test's directory) are changed."""

import re
import shlex
import subprocess

from harness import REPO, Proc, cli_binary, wait_until


def tour_blocks():
    readme = (REPO / "README.md").read_text()
    start = readme.index("## Remote-control tour")
    end = readme.find("\n## ", start + 1)
    section = readme[start:end if end > 0 else None]
    return re.findall(r"```(\w*)\n(.*?)```", section, re.S)


def test_readme_remote_control_tour(tmp_path, server):
    blocks = tour_blocks()
    setup = [line for line in blocks[0][1].splitlines() if line.strip() and not line.startswith("#")]
    publish = blocks[1][1].splitlines()
    expected = blocks[2][1].splitlines()

    subscribers = []
    for i, command in enumerate(setup):
        command = command.replace("/tmp/", f"{tmp_path}/")
        command = command.replace("build/release/tools/linecast-cli", shlex.quote(cli_binary()))
        if "'room1.>'" in command:  # a subscriber: point it at the test's server
            command = command.replace("'room1.>'", f"--port {server.port} 'room1.>'")
            subscribers.append(Proc(tmp_path, f"tour-{i}", ["sh", "-c", "exec " + command], cwd=REPO))
        else:  # a compile step
            r = subprocess.run(["sh", "-c", command], cwd=REPO, capture_output=True, text=True,
                               timeout=180)
            assert r.returncode == 0, f"{command}\n{r.stdout}{r.stderr}"
    assert len(subscribers) == 4, setup
    for sub in subscribers:
        # Each says so on stderr once PONG confirmed its SUB (wording differs).
        wait_until(lambda: "subscribed" in sub.err or sub.proc.poll() is not None, 60,
                   f"{sub.name} to subscribe")
        assert "subscribed" in sub.err, sub.report()

    # "$ command" lines, each followed by the output the README shows.
    i = 0
    while i < len(publish):
        assert publish[i].startswith("$ "), publish[i]
        command = publish[i][2:].replace("http://127.0.0.1:7401", server.http_url)
        shown = []
        i += 1
        while i < len(publish) and not publish[i].startswith("$ "):
            shown.append(publish[i])
            i += 1
        r = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        print(f"$ {command}\n{r.stdout}")
        assert r.stdout.splitlines() == shown, (command, r.stdout)

    for sub in subscribers:
        lines = sub.wait_lines(len(expected))
        sub.stop()
        sub.show()
        assert lines == expected, sub.report()
