// EXAMPLE (a sketch, not built or tested in this repository: there is no
// Unity here). A Unity WebGL plugin: the browser's own WebSocket, driven
// from C# (LinecastWebGL.cs) through [DllImport("__Internal")].
// Put it in Assets/Plugins/ (the .jslib extension makes it a plugin).
//
// Incoming lines wait in a bounded JavaScript queue until C# takes them with
// LinecastWs_Next() in Update(): no callbacks into C#, so nothing depends
// on the Unity version's dynCall/SendMessage details.
mergeInto(LibraryManager.library, {
  LinecastWs_Open: function (urlPtr) {
    var url = UTF8ToString(urlPtr);
    var reg = window.linecastWs || (window.linecastWs = { sockets: {}, next: 1 });
    var id = reg.next++;
    var s = { inbox: [], state: 0 };   // 0 connecting, 1 open, 2 closed
    try {
      s.ws = new WebSocket(url);
    } catch (e) {                      // a malformed URL throws at once
      s.state = 2;
      reg.sockets[id] = s;
      return id;
    }
    s.ws.binaryType = "arraybuffer";
    s.ws.onopen = function () { s.state = 1; };
    s.ws.onmessage = function (e) {
      // One server line per message ("MSG <channel> <payload>", "PONG", "-ERR ...").
      var line = typeof e.data === "string" ? e.data : new TextDecoder().decode(e.data);
      if (s.inbox.length >= 10000) s.inbox.shift();   // a stalled game drops the oldest
      s.inbox.push(line);
    };
    s.ws.onclose = function () { s.state = 2; };
    reg.sockets[id] = s;
    return id;
  },

  LinecastWs_State: function (id) {
    var s = window.linecastWs && window.linecastWs.sockets[id];
    return s ? s.state : 2;
  },

  // Sends one message; it may hold several lines ("SUB a\nPING").
  LinecastWs_Send: function (id, textPtr) {
    var s = window.linecastWs && window.linecastWs.sockets[id];
    if (!s || s.state !== 1) return 0;
    s.ws.send(UTF8ToString(textPtr));
    return 1;
  },

  // The next received line, or null when there is none. The returned buffer
  // is allocated with _malloc; the C# marshaller frees it.
  LinecastWs_Next: function (id) {
    var s = window.linecastWs && window.linecastWs.sockets[id];
    if (!s || s.inbox.length === 0) return null;
    var line = s.inbox.shift();
    var size = lengthBytesUTF8(line) + 1;
    var buffer = _malloc(size);
    stringToUTF8(line, buffer, size);
    return buffer;
  },

  LinecastWs_Close: function (id) {
    var s = window.linecastWs && window.linecastWs.sockets[id];
    if (!s) return;
    if (s.ws && s.state !== 2) s.ws.close(1000);
    delete window.linecastWs.sockets[id];
  },
});
