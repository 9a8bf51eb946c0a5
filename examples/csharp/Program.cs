// A console program around LinecastClient, shaped like a Unity scene: a
// 60 Hz "Update()" loop drains the messages on the main thread.
//
//   mcs -out:linecast-demo.exe LinecastClient.cs Program.cs
//   mono linecast-demo.exe 'room1.>'                      # print "channel payload"
//   mono linecast-demo.exe --ack room1.ack 'room1.>'      # also answer each message
//
// Options: --host H (127.0.0.1), --port P (7400), --count N (exit 0 after N
// messages), --seconds S (exit 1 if they have not arrived by then), --ack CHANNEL
// (publish "ack <payload>" there for each message), --backoff SECONDS (first
// reconnect wait), --tls (TLS, the system's trust store), --cacert FILE (TLS,
// trusting this CA too). The token (or a device JWT) comes from
// LINECAST_TOKEN. Status goes to stderr.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using Linecast;

static class Program
{
    static int Main(string[] args)
    {
        int code = Run(args);
        // Leave through Environment.Exit, not by returning: Debian's mono
        // 6.8 now and then hangs for good after Main returns (in CI, under
        // load: gdb showed the main thread in mono_os_event_wait_multiple
        // under mono_main, the receive thread gone, and only the finalizer,
        // SGen and thread-pool threads left).
        Console.Out.Flush();
        Console.Error.Flush();
        Environment.Exit(code);
        return code;
    }

    static int Run(string[] args)
    {
        string host = "127.0.0.1", ack = null, cacert = null;
        bool tls = false;
        int port = 7400, count = 0;
        double seconds = 0, backoff = 0.5;
        var patterns = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            bool hasValue = i + 1 < args.Length;
            if (a == "--host" && hasValue) host = args[++i];
            else if (a == "--port" && hasValue) port = int.Parse(args[++i]);
            else if (a == "--count" && hasValue) count = int.Parse(args[++i]);
            else if (a == "--seconds" && hasValue) seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (a == "--backoff" && hasValue) backoff = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (a == "--ack" && hasValue) ack = args[++i];
            else if (a == "--tls") tls = true;
            else if (a == "--cacert" && hasValue) { cacert = args[++i]; tls = true; }
            else if (a.StartsWith("--")) return Usage("unknown option " + a);
            else patterns.Add(a);
        }
        if (patterns.Count == 0) return Usage("give at least one PATTERN");
        // Payloads are UTF-8 whatever the locale says (mono follows LANG otherwise).
        Console.OutputEncoding = new UTF8Encoding(false);

        using (var client = new LinecastClient(host, port, Environment.GetEnvironmentVariable("LINECAST_TOKEN")))
        {
            client.UseTls = tls;
            if (cacert != null) client.TrustedCa = new X509Certificate2(cacert);
            client.MinBackoff = TimeSpan.FromSeconds(backoff);
            client.MaxBackoff = TimeSpan.FromSeconds(Math.Max(backoff, 2));
            client.StatusChanged += status => Console.Error.WriteLine("linecast: " + status);
            client.Subscribe(patterns.ToArray());
            client.Start();

            int received = 0;
            var clock = Stopwatch.StartNew();
            // The "Update()" loop: in Unity this is the engine's frame loop.
            while (count == 0 || received < count)
            {
                received += client.Drain((channel, payload) =>
                {
                    Console.WriteLine(channel + " " + payload);
                    if (ack != null && !client.Publish(ack, "ack " + payload))
                        Console.Error.WriteLine("linecast: not connected, ack dropped");
                });
                Console.Out.Flush();
                if (seconds > 0 && clock.Elapsed.TotalSeconds > seconds)
                {
                    Console.Error.WriteLine("linecast: {0} of {1} messages after {2}s", received, count, seconds);
                    return 1;
                }
                Thread.Sleep(16);
            }
        }
        return 0;
    }

    static int Usage(string error)
    {
        Console.Error.WriteLine("linecast-demo: " + error);
        Console.Error.WriteLine("usage: mono linecast-demo.exe [--host H] [--port P] [--count N] [--seconds S] [--ack CHANNEL] [--backoff S] [--tls] [--cacert FILE] PATTERN...");
        return 2;
    }
}
