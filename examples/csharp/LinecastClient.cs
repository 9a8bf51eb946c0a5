// LinecastClient: a linecast client ready for Unity (and any .NET program).
//
// A background thread owns the connection: it connects, authenticates,
// subscribes, reads, and reconnects with back-off when the link drops.
// Received messages wait in a thread-safe queue until the main thread takes
// them with Drain(), typically from a MonoBehaviour's Update(), so game
// objects are only ever touched on the main thread:
//
//     LinecastClient client;
//     void Start() {
//         client = new LinecastClient("192.168.1.10", 7400);
//         client.Subscribe("room1.>");
//         client.StatusChanged += s => Debug.Log("linecast: " + s);
//         client.Start();
//     }
//     void Update() { client.Drain((channel, payload) => Apply(channel, payload)); }
//     void OnDestroy() { client.Dispose(); }
//
// Over the internet, set UseTls (and TrustedCa for a development
// certificate) and give the device's JWT as the Token:
//
//         client = new LinecastClient("hub.example.com", 7400, tokenFromYourBackend);
//         client.UseTls = true;
//
// (Mono's own TLS outside Unity cannot read an EC certificate: a broker for
// such clients uses an RSA one, e.g. certbot --key-type rsa.)
//
// Wire protocol: docs/PROTOCOL.md (one line per frame, "MSG <channel> <payload>").
// Uses only what Unity's .NET profiles provide (System.Net.Sockets,
// System.Net.Security.SslStream, threads). Unity WebGL has no sockets: use
// the broker's WebSocket there.

using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;

namespace Linecast
{
    public sealed class LinecastClient : IDisposable
    {
        public string Host { get; private set; }
        public int Port { get; private set; }
        /// <summary>Sent as AUTH before anything else when set: the broker's --auth-token,
        /// or a device JWT. When the broker says the JWT expired, the client reconnects
        /// with whatever Token holds then: set a fresh one before the old one expires.</summary>
        public string Token { get; set; }
        /// <summary>Connect with TLS (1.2), verifying the broker's certificate and host name.</summary>
        public bool UseTls;
        /// <summary>With UseTls: trust certificates this CA issued (a development
        /// certificate) instead of the system's trust store only.</summary>
        public X509Certificate2 TrustedCa;
        public TimeSpan MinBackoff = TimeSpan.FromSeconds(0.5);
        public TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
        public TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
        /// <summary>Messages waiting for Drain(); beyond this the oldest are dropped (see Dropped).</summary>
        public int MaxQueued = 10000;

        /// <summary>Connection news ("connected", "subscribed ...", "disconnected: ..."),
        /// raised from Drain() on the thread that calls it.</summary>
        public event Action<string> StatusChanged;

        public bool IsConnected { get { lock (lock_) { return stream_ != null; } } }
        public long Dropped { get { return Interlocked.Read(ref dropped_); } }

        const int MaxLine = 16 * 1024 * 1024;

        struct Event
        {
            public string Channel;  // null: a status event
            public string Payload;
        }

        // lock_ guards patterns_, stream_ (and writes to it), queue_ and pingSeq_.
        readonly object lock_ = new object();
        readonly List<string> patterns_ = new List<string>();
        readonly Queue<Event> queue_ = new Queue<Event>();
        readonly ManualResetEvent stop_ = new ManualResetEvent(false);
        TcpClient tcp_;
        Stream stream_;  // non-null only while connected and authenticated
        Thread thread_;
        int pingSeq_;
        long dropped_;

        public LinecastClient(string host = "127.0.0.1", int port = 7400, string token = null)
        {
            Host = host;
            Port = port;
            Token = token;
        }

        /// <summary>Starts the background thread; it connects and keeps reconnecting until Dispose().</summary>
        public void Start()
        {
            if (thread_ != null) throw new InvalidOperationException("already started");
            thread_ = new Thread(Run) { IsBackground = true, Name = "linecast-receive" };
            thread_.Start();
        }

        /// <summary>Adds patterns ("room1.>", "room1.*.volume"). They are sent now when
        /// connected and again after every reconnect; "subscribed ..." is reported
        /// once the server confirmed them.</summary>
        public void Subscribe(params string[] patterns)
        {
            foreach (var p in patterns) CheckToken(p, "pattern");
            lock (lock_)
            {
                var added = new List<string>();
                foreach (var p in patterns)
                    if (!patterns_.Contains(p)) { patterns_.Add(p); added.Add(p); }
                if (stream_ != null && added.Count > 0) SendSubscribeLocked(added);
            }
        }

        public void Unsubscribe(params string[] patterns)
        {
            foreach (var p in patterns) CheckToken(p, "pattern");
            lock (lock_)
            {
                foreach (var p in patterns) patterns_.Remove(p);
                if (stream_ != null) TrySendLocked("UNSUB " + string.Join(" ", patterns) + "\n");
            }
        }

        /// <summary>Publishes one message. Returns false when not connected: nothing
        /// is stored, as in the broker, so the caller decides whether to retry.</summary>
        public bool Publish(string channel, string payload)
        {
            CheckToken(channel, "channel");
            if (payload == null) payload = "";
            if (payload.IndexOf('\n') >= 0 || payload.IndexOf('\r') >= 0)
                throw new ArgumentException("a message is one line; encode it (JSON) first", "payload");
            lock (lock_)
            {
                return stream_ != null && TrySendLocked("PUB " + channel + " " + payload + "\n");
            }
        }

        /// <summary>Call from the main thread (Update()): hands every waiting message to
        /// onMessage(channel, payload) and raises StatusChanged. Returns the message count.</summary>
        public int Drain(Action<string, string> onMessage, int max = int.MaxValue)
        {
            var batch = new List<Event>();
            lock (lock_)
            {
                while (queue_.Count > 0 && batch.Count < max) batch.Add(queue_.Dequeue());
            }
            // Callbacks run outside the lock: they may Publish or Subscribe.
            int messages = 0;
            foreach (var e in batch)
            {
                if (e.Channel == null)
                {
                    var handler = StatusChanged;
                    if (handler != null) handler(e.Payload);
                }
                else
                {
                    onMessage(e.Channel, e.Payload);
                    messages++;
                }
            }
            return messages;
        }

        public void Dispose()
        {
            stop_.Set();
            CloseConnection();
            if (thread_ != null && thread_ != Thread.CurrentThread) thread_.Join(TimeSpan.FromSeconds(5));
        }

        // ---- the background thread ----

        void Run()
        {
            var backoff = MinBackoff;
            var random = new System.Random();
            while (!stop_.WaitOne(0))
            {
                DateTime started = DateTime.UtcNow;
                try
                {
                    Session();
                }
                catch (Exception e)
                {
                    if (stop_.WaitOne(0)) break;
                    Enqueue(null, "disconnected: " + e.Message);
                }
                finally
                {
                    CloseConnection();
                }
                if (DateTime.UtcNow - started > MaxBackoff) backoff = MinBackoff;  // it was up a while
                // Jitter, so that many clients do not come back in lock step.
                var wait = TimeSpan.FromMilliseconds(backoff.TotalMilliseconds * (0.5 + random.NextDouble() / 2));
                Enqueue(null, string.Format("reconnecting in {0:0.0}s", wait.TotalSeconds));
                if (stop_.WaitOne(wait)) break;
                backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, MaxBackoff.TotalMilliseconds));
            }
        }

        void Session()
        {
            var tcp = new TcpClient();
            lock (lock_) tcp_ = tcp;
            var pending = tcp.BeginConnect(Host, Port, null, null);
            if (!pending.AsyncWaitHandle.WaitOne(ConnectTimeout))
                throw new IOException(string.Format("connecting to {0}:{1} timed out", Host, Port));
            tcp.EndConnect(pending);
            tcp.NoDelay = true;
            // A dead Wi-Fi link is noticed by keepalive instead of hanging for ever.
            tcp.Client.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            Stream stream = tcp.GetStream();
            if (UseTls)
            {
                var tls = new SslStream(stream, false, VerifyServer);
                tls.AuthenticateAsClient(Host, null, SslProtocols.Tls12, false);
                stream = tls;
            }
            stream.WriteTimeout = 5000;  // Publish() must never freeze the main thread for long
            var reader = new LineReader(stream, MaxLine);

            if (!string.IsNullOrEmpty(Token))
            {
                Write(stream, "AUTH " + Token + "\n");
                string reply = reader.ReadLine();
                if (reply == null) throw new IOException("connection closed during AUTH");
                if (reply.StartsWith("-ERR")) throw new IOException("server: " + reply);
            }
            lock (lock_)
            {
                stream_ = stream;
                if (patterns_.Count > 0) SendSubscribeLocked(patterns_);
            }
            Enqueue(null, string.Format("connected to {0}:{1}", Host, Port));

            string line;
            while ((line = reader.ReadLine()) != null)
            {
                if (line.StartsWith("MSG "))
                {
                    int space = line.IndexOf(' ', 4);
                    if (space < 0) continue;
                    Enqueue(line.Substring(4, space - 4), line.Substring(space + 1));
                }
                else if (line.StartsWith("PONG linecast-sub "))
                {
                    // The barrier after SUB: those subscriptions are active now.
                    Enqueue(null, "subscribed " + line.Substring("PONG linecast-sub ".Length).Split(new[] { ' ' }, 2)[1]);
                }
                else if (line.StartsWith("-ERR"))
                {
                    Enqueue(null, "server: " + line);
                }
            }
            throw new IOException("connection closed by the server");
        }

        // The system's verdict, except that a chain ending at TrustedCa is
        // trusted too; a host name mismatch is never accepted.
        bool VerifyServer(object sender, X509Certificate certificate, X509Chain chain, SslPolicyErrors errors)
        {
            if (errors == SslPolicyErrors.None) return true;
            if (TrustedCa == null || errors != SslPolicyErrors.RemoteCertificateChainErrors) return false;
            using (var custom = new X509Chain())
            {
                custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                custom.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                custom.ChainPolicy.ExtraStore.Add(TrustedCa);
                if (!custom.Build(new X509Certificate2(certificate))) return false;
                var root = custom.ChainElements[custom.ChainElements.Count - 1].Certificate;
                return root.Thumbprint == TrustedCa.Thumbprint;
            }
        }

        // Sends SUB for the patterns and a PING barrier naming them.
        void SendSubscribeLocked(List<string> patterns)
        {
            string list = string.Join(" ", patterns.ToArray());
            pingSeq_++;
            TrySendLocked("SUB " + list + "\nPING linecast-sub " + pingSeq_ + " " + list + "\n");
        }

        bool TrySendLocked(string text)
        {
            try
            {
                Write(stream_, text);
                return true;
            }
            catch (Exception)
            {
                // The receive thread sees the closed socket and reconnects.
                CloseConnectionLocked();
                return false;
            }
        }

        static void Write(Stream stream, string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            stream.Write(bytes, 0, bytes.Length);
        }

        void Enqueue(string channel, string payload)
        {
            lock (lock_)
            {
                if (queue_.Count >= MaxQueued)
                {
                    queue_.Dequeue();
                    Interlocked.Increment(ref dropped_);
                }
                queue_.Enqueue(new Event { Channel = channel, Payload = payload });
            }
        }

        void CloseConnection()
        {
            lock (lock_) CloseConnectionLocked();
        }

        void CloseConnectionLocked()
        {
            stream_ = null;
            if (tcp_ != null)
            {
                tcp_.Close();  // also wakes a blocked read on the receive thread
                tcp_ = null;
            }
        }

        static void CheckToken(string s, string what)
        {
            if (string.IsNullOrEmpty(s) || s.IndexOfAny(new[] { ' ', '\t', '\r', '\n' }) >= 0)
                throw new ArgumentException("a " + what + " is one word without spaces", what);
        }

        // Splits the byte stream at '\n' only (a payload may contain '\r'), then
        // decodes UTF-8. StreamReader.ReadLine would also split at a lone '\r'.
        sealed class LineReader
        {
            readonly Stream stream_;
            readonly int maxLine_;
            byte[] buffer_ = new byte[65536];
            int start_, end_;

            public LineReader(Stream stream, int maxLine)
            {
                stream_ = stream;
                maxLine_ = maxLine;
            }

            // The next line without its "\n", or null at the end of the stream.
            public string ReadLine()
            {
                int scanned = start_;
                while (true)
                {
                    int nl = Array.IndexOf(buffer_, (byte)'\n', scanned, end_ - scanned);
                    if (nl >= 0)
                    {
                        string line = Encoding.UTF8.GetString(buffer_, start_, nl - start_);
                        start_ = nl + 1;
                        return line;
                    }
                    scanned = end_;
                    if (end_ - start_ > maxLine_) throw new IOException("line from the server too long");
                    if (start_ > 0)
                    {
                        Buffer.BlockCopy(buffer_, start_, buffer_, 0, end_ - start_);
                        scanned -= start_;
                        end_ -= start_;
                        start_ = 0;
                    }
                    if (end_ == buffer_.Length) Array.Resize(ref buffer_, buffer_.Length * 2);
                    int n = stream_.Read(buffer_, end_, buffer_.Length - end_);
                    if (n <= 0) return null;
                    end_ += n;
                }
            }
        }
    }
}
