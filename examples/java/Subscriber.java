// A minimal linecast subscriber for Android (or any JVM): plain java.net.Socket
// and BufferedReader, reconnecting with back-off.
//
//   javac Subscriber.java && java Subscriber 'room1.>'
//   java Subscriber --host 192.168.1.10 --port 7400 room1.tv.volume
//
// In an Android app, run it off the main thread and hand each message to the
// UI thread, since onMessage() is called on the subscriber's own thread:
//
//   Handler ui = new Handler(Looper.getMainLooper());
//   Subscriber sub = new Subscriber("10.0.2.2", 7400, token, new String[] {"room1.>"},
//       (channel, payload) -> ui.post(() -> volumeView.setText(payload)));
//   new Thread(sub, "linecast").start();   // and sub.stop() in onDestroy()
//
// (Android needs <uses-permission android:name="android.permission.INTERNET"/>.)
// Wire protocol: docs/PROTOCOL.md. Note that BufferedReader.readLine() also
// ends a line at a lone '\r'; payloads that may hold one need a byte reader.

import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.BufferedReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

public final class Subscriber implements Runnable {
    public interface Listener {
        /** Called on the subscriber's thread for every message. */
        void onMessage(String channel, String payload);

        /** Connection news: "subscribed ...", "disconnected: ...", "reconnecting in ...". */
        default void onStatus(String status) {}
    }

    private final String host;
    private final int port;
    private final String token;  // null: the broker has no --auth-token
    private final String[] patterns;
    private final Listener listener;
    private final Object wake = new Object();
    private volatile boolean stopped;
    private volatile Socket socket;
    long minBackoffMs = 500;
    long maxBackoffMs = 30_000;

    public Subscriber(String host, int port, String token, String[] patterns, Listener listener) {
        this.host = host;
        this.port = port;
        this.token = token;
        this.patterns = patterns.clone();
        this.listener = listener;
    }

    /** Connects, subscribes and reconnects until stop(). */
    @Override
    public void run() {
        long backoff = minBackoffMs;
        while (!stopped) {
            long started = System.nanoTime();
            try {
                session();
            } catch (IOException e) {
                if (stopped) break;
                listener.onStatus("disconnected: " + e.getMessage());
            }
            if (stopped) break;
            if ((System.nanoTime() - started) / 1_000_000 > maxBackoffMs) backoff = minBackoffMs;
            // Jitter, so that many phones do not come back in lock step.
            long waitMs = (long) (backoff * ThreadLocalRandom.current().nextDouble(0.5, 1.0));
            listener.onStatus(String.format("reconnecting in %.1fs", waitMs / 1000.0));
            synchronized (wake) {
                try {
                    if (!stopped) wake.wait(Math.max(1, waitMs));
                } catch (InterruptedException e) {
                    return;
                }
            }
            backoff = Math.min(backoff * 2, maxBackoffMs);
        }
    }

    /** Ends run() soon, from any thread. */
    public void stop() {
        stopped = true;
        Socket s = socket;
        if (s != null) {
            try {
                s.close();  // wakes the blocked readLine()
            } catch (IOException ignored) {
            }
        }
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void session() throws IOException {
        try (Socket s = new Socket()) {
            socket = s;
            if (stopped) return;
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setKeepAlive(true);  // notice a dead mobile link
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            Writer out = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8);
            if (token != null && !token.isEmpty()) out.write("AUTH " + token + "\n");
            // PING is a barrier: when PONG is back, the subscription is active.
            out.write("SUB " + String.join(" ", patterns) + "\nPING ready\n");
            out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("MSG ")) {
                    int space = line.indexOf(' ', 4);
                    if (space > 0) listener.onMessage(line.substring(4, space), line.substring(space + 1));
                } else if (line.equals("PONG ready")) {
                    listener.onStatus("subscribed " + String.join(" ", patterns));
                } else if (line.startsWith("-ERR")) {
                    listener.onStatus("server: " + line);
                }
            }
            throw new EOFException("connection closed by the server");
        } finally {
            socket = null;
        }
    }

    /** java Subscriber [--host H] [--port P] [--count N] [--backoff SECONDS] PATTERN... */
    public static void main(String[] args) {
        String host = "127.0.0.1";
        int port = 7400;
        int count = 0;
        double backoff = 0.5;
        List<String> patterns = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            boolean hasValue = i + 1 < args.length;
            switch (args[i]) {
                case "--host" -> { if (hasValue) host = args[++i]; }
                case "--port" -> { if (hasValue) port = Integer.parseInt(args[++i]); }
                case "--count" -> { if (hasValue) count = Integer.parseInt(args[++i]); }
                case "--backoff" -> { if (hasValue) backoff = Double.parseDouble(args[++i]); }
                default -> patterns.add(args[i]);
            }
        }
        if (patterns.isEmpty()) {
            System.err.println("usage: java Subscriber [--host H] [--port P] [--count N] [--backoff S] PATTERN...");
            System.exit(2);
        }
        // Payloads are UTF-8 whatever the locale says.
        PrintStream stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream stderr = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        final int wanted = count;
        AtomicInteger received = new AtomicInteger();
        Subscriber[] self = new Subscriber[1];
        self[0] = new Subscriber(host, port, System.getenv("LINECAST_TOKEN"), patterns.toArray(new String[0]),
                new Listener() {
                    @Override
                    public void onMessage(String channel, String payload) {
                        stdout.println(channel + " " + payload);
                        if (wanted > 0 && received.incrementAndGet() >= wanted) self[0].stop();
                    }

                    @Override
                    public void onStatus(String status) {
                        stderr.println("subscriber: " + status);
                    }
                });
        self[0].minBackoffMs = (long) (backoff * 1000);
        self[0].maxBackoffMs = Math.min(30_000, self[0].minBackoffMs * 60);  // 0.5 s -> 30 s
        self[0].run();
    }
}
