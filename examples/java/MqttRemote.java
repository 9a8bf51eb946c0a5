// A phone app's remote control over MQTT 3.1.1 (linecast with --mqtt-port, or
// any MQTT broker), with the fusesource MQTT client (Debian:
// libmqtt-client-java; on Android: org.fusesource.mqtt-client:mqtt-client).
// It pairs with examples/python/mqtt_raspberry_pi.py: the phone sends
// commands on room1/tv/<setting> and shows the state the Pi publishes,
// retained, on room1/tv/state, so the state appears as soon as the app opens.
//
//   CP=/usr/share/java/mqtt-client.jar:/usr/share/java/hawtdispatch-transport.jar:/usr/share/java/hawtdispatch.jar:/usr/share/java/hawtbuf.jar
//   javac -cp $CP -d /tmp/mqtt-java examples/java/MqttRemote.java
//   java -cp /tmp/mqtt-java:$CP MqttRemote --set volume=42          # and print the TV's state as it changes
//   java -cp /tmp/mqtt-java:$CP MqttRemote --host 192.168.1.10 --set power=on --wait-for power=on
//
// In an Android app the BlockingConnection runs on its own thread, never the
// main thread; the state goes to the UI thread through a Handler:
//
//   Handler ui = new Handler(Looper.getMainLooper());
//   MqttRemote remote = new MqttRemote("10.0.2.2", 1883, "room1",
//       state -> ui.post(() -> stateView.setText(state)));
//   new Thread(remote::run, "mqtt").start();
//   ...; remote.set("volume", "42");   // from a button, also off the main thread
//
// The client reconnects by itself after a network change. Username and
// password: MQTT_USERNAME and MQTT_PASSWORD. (Android needs
// <uses-permission android:name="android.permission.INTERNET"/>.)

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.fusesource.mqtt.client.BlockingConnection;
import org.fusesource.mqtt.client.MQTT;
import org.fusesource.mqtt.client.Message;
import org.fusesource.mqtt.client.QoS;
import org.fusesource.mqtt.client.Topic;

public final class MqttRemote {
    private final String room;
    private final Consumer<String> onState;
    private final BlockingConnection connection;
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile boolean running = true;

    public MqttRemote(String host, int port, String room, Consumer<String> onState) throws Exception {
        this.room = room;
        this.onState = onState;
        MQTT mqtt = new MQTT();
        mqtt.setHost(host, port);
        mqtt.setVersion("3.1.1");
        // A phone shows live state only: a clean session, and an id of its own
        // (two phones with one id would take each other's session over).
        mqtt.setClientId("phone-" + Long.toHexString(System.nanoTime()));
        mqtt.setCleanSession(true);
        mqtt.setKeepAlive((short) 30);
        String user = System.getenv("MQTT_USERNAME");
        if (user != null && !user.isEmpty()) {
            mqtt.setUserName(user);
            mqtt.setPassword(System.getenv().getOrDefault("MQTT_PASSWORD", ""));
        }
        mqtt.setConnectAttemptsMax(3);
        connection = mqtt.blockingConnection();
    }

    /** Connects, subscribes to the state, and hands each state to onState until stop(). */
    public void run() throws Exception {
        connection.connect();
        String topic = room + "/tv/state";
        byte[] granted = connection.subscribe(new Topic[] {new Topic(topic, QoS.AT_LEAST_ONCE)});
        if (granted[0] == (byte) 0x80) {
            throw new IllegalStateException("subscription to " + topic + " refused");
        }
        log("subscribed " + topic + " (granted QoS " + granted[0] + ")");
        ready.countDown();
        while (running) {
            Message message = connection.receive(1, TimeUnit.SECONDS);
            if (message == null) {
                continue;
            }
            message.ack();
            onState.accept(new String(message.getPayload(), StandardCharsets.UTF_8));
        }
        connection.disconnect();
    }

    /** Waits (bounded) until run() has subscribed. */
    public boolean awaitSubscribed(long seconds) throws InterruptedException {
        return ready.await(seconds, TimeUnit.SECONDS);
    }

    /** A command, at QoS 1: the Pi gets it even if it was offline (its session keeps it). */
    public void set(String setting, String value) throws Exception {
        connection.publish(room + "/tv/" + setting, value.getBytes(StandardCharsets.UTF_8), QoS.AT_LEAST_ONCE, false);
        log("sent " + setting + "=" + value);
    }

    public void stop() {
        running = false;
    }

    private static void log(String text) {
        System.err.println("remote: " + text);
        System.err.flush();
    }

    // The console program: --set k=v (repeatable) sends commands once
    // subscribed; --wait-for k=v exits 0 when a state holds that value.
    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 1883;
        String room = "room1";
        List<String[]> commands = new ArrayList<>();
        String[] waitFor = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--host": host = value; i++; break;
                case "--port": port = Integer.parseInt(value); i++; break;
                case "--room": room = value; i++; break;
                case "--set": commands.add(value.split("=", 2)); i++; break;
                case "--wait-for": waitFor = value.split("=", 2); i++; break;
                default:
                    System.err.println("usage: MqttRemote [--host H] [--port P] [--room R] [--set k=v]... [--wait-for k=v]");
                    System.exit(2);
            }
        }
        // The Pi's state is JSON of strings: {"input": "hdmi1", "power": "on", "volume": "42"}.
        Pattern done = waitFor == null ? null
            : Pattern.compile("\"" + Pattern.quote(waitFor[0]) + "\"\\s*:\\s*\"" + Pattern.quote(waitFor[1]) + "\"");
        MqttRemote[] self = new MqttRemote[1];
        self[0] = new MqttRemote(host, port, room, state -> {
            System.out.println(state);
            System.out.flush();
            if (done != null && done.matcher(state).find()) {
                self[0].stop();
            }
        });
        Thread sender = new Thread(() -> {
            try {
                if (!self[0].awaitSubscribed(30)) {
                    return;
                }
                for (String[] command : commands) {
                    self[0].set(command[0], command.length > 1 ? command[1] : "");
                }
            } catch (Exception e) {
                log("send failed: " + e);
            }
        }, "sender");
        sender.setDaemon(true);
        sender.start();
        self[0].run();
    }
}
