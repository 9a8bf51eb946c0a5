// mqtt.js (the browser's MQTT client, here under Node) over ws://.../mqtt:
// CONNECT, SUBSCRIBE at QoS 1, a PUBLISH at QoS 1 back to itself, then a
// clean end. Prints "GOT <topic> <payload>"; exit 0 on success, 1 on an
// error, 2 on a timeout. Run by test_mqtt_js.py.
const mqtt = require('mqtt');

const client = mqtt.connect(process.argv[2], {clientId: 'mqttjs', protocolVersion: 4});
const timer = setTimeout(() => { console.log('TIMEOUT'); process.exit(2); }, 5000);
client.on('connect', () => {
  client.subscribe('browser/+', {qos: 1}, (err) => {
    if (err) { console.log('SUBSCRIBE ' + err.message); process.exit(1); }
    client.publish('browser/hello', 'from mqtt.js', {qos: 1});
  });
});
client.on('message', (topic, payload) => {
  console.log('GOT ' + topic + ' ' + payload.toString());
  clearTimeout(timer);
  client.end(false, () => process.exit(0));
});
client.on('error', (e) => { console.log('ERROR ' + e.message); process.exit(1); });
