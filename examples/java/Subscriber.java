// A minimal linecast subscriber for Android (or any JVM): plain java.net.Socket
// and BufferedReader, reconnecting with back-off.
//
//   javac Subscriber.java && java Subscriber 'room1.>'
//   java Subscriber --host 192.168.1.10 --port 7400 room1.tv.volume
//   LINECAST_TOKEN=<device JWT> java Subscriber --tls --host hub.example.com 'room1.>'
//   java Subscriber --cacert dev-cert.pem --host localhost 'room1.>'   # a development certificate
//
// In an Android app, run it off the main thread and hand each message to the
// UI thread, since onMessage() is called on the subscriber's own thread:
//
//   Handler ui = new Handler(Looper.getMainLooper());
//   Subscriber sub = new Subscriber("10.0.2.2", 7400, token, new String[] {"room1.>"},
//       (channel, payload) -> ui.post(() -> volumeView.setText(payload)));
//   new Thread(sub, "linecast").start();   // and sub.stop() in onDestroy()
//
// Over the internet, pass an SSLSocketFactory (SSLSocketFactory.getDefault(),
// or trusting(caFile) for a development certificate) to the constructor that
// takes one: the host name is verified against the certificate. The token may
// be a device JWT minted by the backend (examples/python/django_device_token.py).
// (Android needs <uses-permission android:name="android.permission.INTERNET"/>.)
// Wire protocol: docs/PROTOCOL.md. Note that BufferedReader.readLine() also
// ends a line at a lone '\r'; payloads that may hold one need a byte reader.

import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
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
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
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
    private final String token;  // null: the broker has no --auth-token; else it or a device JWT
    private final SSLSocketFactory tls;  // null: plaintext
    private final String[] patterns;
    private final Listener listener;
    private final Object wake = new Object();
    private volatile boolean stopped;
    private volatile Socket socket;
    long minBackoffMs = 500;
    long maxBackoffMs = 30_000;

    public Subscriber(String host, int port, String token, String[] patterns, Listener listener) {
        this(host, port, token, patterns, listener, null);
    }

    public Subscriber(String host, int port, String token, String[] patterns, Listener listener,
                      SSLSocketFactory tls) {
        this.host = host;
        this.port = port;
        this.token = token;
        this.tls = tls;
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

    /** TLS that trusts the CA certificates of a PEM file (a development certificate). */
    public static SSLSocketFactory trusting(String caFile) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (FileInputStream in = new FileInputStream(caFile)) {
            int n = 0;
            for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca" + n++, ca);
            }
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    private Socket open() throws IOException {
        if (tls == null) return new Socket();
        SSLSocket s = (SSLSocket) tls.createSocket();
        // Without this an SSLSocket checks the chain but not that it is for `host`.
        SSLParameters params = s.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        params.setServerNames(List.of(new SNIHostName(host)));
        s.setSSLParameters(params);
        return s;
    }

    private void session() throws IOException {
        try (Socket s = open()) {
            socket = s;
            if (stopped) return;
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setKeepAlive(true);  // notice a dead mobile link
            if (s instanceof SSLSocket ssl) ssl.startHandshake();
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

    /** java Subscriber [--host H] [--port P] [--count N] [--backoff SECONDS] [--tls] [--cacert FILE] PATTERN... */
    public static void main(String[] args) throws IOException, GeneralSecurityException {
        String host = "127.0.0.1";
        String cacert = null;
        boolean useTls = false;
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
                case "--tls" -> useTls = true;
                case "--cacert" -> { if (hasValue) { cacert = args[++i]; useTls = true; } }
                default -> patterns.add(args[i]);
            }
        }
        if (patterns.isEmpty()) {
            System.err.println("usage: java Subscriber [--host H] [--port P] [--count N] [--backoff S] [--tls] [--cacert FILE] PATTERN...");
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
                },
                cacert != null ? trusting(cacert) : useTls ? (SSLSocketFactory) SSLSocketFactory.getDefault() : null);
        self[0].minBackoffMs = (long) (backoff * 1000);
        self[0].maxBackoffMs = Math.min(30_000, self[0].minBackoffMs * 60);  // 0.5 s -> 30 s
        self[0].run();
    }
}
