// EXAMPLE (a sketch, not built or tested in this repository: there is no
// Unity here). linecast in a Unity WebGL build, over the browser's
// WebSocket through Plugins/LinecastWebSocket.jslib. Same shape as
// examples/csharp/LinecastClient.cs: call Poll() from Update().
//
//     LinecastWebGL client;
//     void Start() {
//         client = new LinecastWebGL("wss://hub.example.com:7401/ws", tokenFromYourBackend);
//         client.Subscribe("room1.>");
//     }
//     void Update() { client.Poll((channel, payload) => Apply(channel, payload)); }
//     void OnDestroy() { client.Dispose(); }
//
// Wire protocol: docs/PROTOCOL.md, "WebSocket, Server-Sent Events, console
// page": each WebSocket message holds lines; each server line is one message.

using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using UnityEngine;

public sealed class LinecastWebGL : IDisposable
{
    [DllImport("__Internal")] private static extern int LinecastWs_Open(string url);
    [DllImport("__Internal")] private static extern int LinecastWs_State(int id);
    [DllImport("__Internal")] private static extern int LinecastWs_Send(int id, string text);
    [DllImport("__Internal")] private static extern string LinecastWs_Next(int id);
    [DllImport("__Internal")] private static extern void LinecastWs_Close(int id);

    private const int Connecting = 0, Open = 1, Closed = 2;
    private const int MaxLinesPerPoll = 1000;   // bounded work per frame

    private readonly string url;
    private readonly HashSet<string> patterns = new HashSet<string>();
    private int socket = -1;
    private bool wasOpen;
    private int failures;
    private bool disposed;
    private float retryAt;
    private readonly System.Random random = new System.Random();

    public event Action<string> StatusChanged = delegate { };
    public event Action<string> Error = delegate { };   // the text of an -ERR line

    public LinecastWebGL(string url, string token = null)
    {
        // A browser WebSocket cannot carry headers: the token goes in the query.
        this.url = string.IsNullOrEmpty(token) ? url : url + "?token=" + Uri.EscapeDataString(token);
        Connect();
    }

    public bool Connected => socket >= 0 && LinecastWs_State(socket) == Open;

    public void Subscribe(string pattern)
    {
        if (patterns.Add(pattern) && Connected) LinecastWs_Send(socket, "SUB " + pattern);
    }

    public void Unsubscribe(string pattern)
    {
        if (patterns.Remove(pattern) && Connected) LinecastWs_Send(socket, "UNSUB " + pattern);
    }

    /// <summary>PUB; false when not connected (nothing is queued offline).</summary>
    public bool Publish(string channel, string payload)
    {
        if (channel.IndexOf(' ') >= 0 || payload.IndexOf('\n') >= 0)
            throw new ArgumentException("channel without spaces, payload of one line");
        return Connected && LinecastWs_Send(socket, "PUB " + channel + " " + payload) == 1;
    }

    /// <summary>Call once per frame: delivers received messages, reconnects when needed.</summary>
    public void Poll(Action<string, string> onMessage)
    {
        if (disposed) return;
        int state = socket >= 0 ? LinecastWs_State(socket) : Closed;
        if (state == Open && !wasOpen)
        {
            wasOpen = true;
            failures = 0;
            StatusChanged("connected");
            // Subscriptions do not outlive a connection: send them all again,
            // one SUB line each, so that one refused pattern refuses only itself.
            if (patterns.Count > 0) LinecastWs_Send(socket, "SUB " + string.Join("\nSUB ", patterns));
        }
        for (int i = 0; i < MaxLinesPerPoll && socket >= 0; i++)
        {
            string line = LinecastWs_Next(socket);
            if (line == null) break;
            if (line.StartsWith("MSG "))
            {
                int space = line.IndexOf(' ', 4);
                if (space < 0) onMessage(line.Substring(4), "");
                else onMessage(line.Substring(4, space - 4), line.Substring(space + 1));
            }
            else if (line.StartsWith("-ERR")) Error(line.Substring(4).Trim());
        }
        if (state == Closed && socket >= 0)
        {
            LinecastWs_Close(socket);
            socket = -1;
            wasOpen = false;
            // Exponential back-off, capped at 15 s, with jitter.
            float cap = Math.Min(15f, 0.5f * (float)Math.Pow(2, Math.Min(failures++, 10)));
            float delay = cap / 2 + (float)random.NextDouble() * cap / 2;
            retryAt = Time.realtimeSinceStartup + delay;
            StatusChanged($"disconnected, retrying in {delay:0.0} s");
        }
        if (socket < 0 && Time.realtimeSinceStartup >= retryAt) Connect();
    }

    private void Connect()
    {
        socket = LinecastWs_Open(url);
        StatusChanged("connecting");
    }

    public void Dispose()
    {
        disposed = true;
        if (socket >= 0) LinecastWs_Close(socket);
        socket = -1;
    }
}
