#!/usr/bin/env node
// A remote control for the TV of examples/python/mqtt_raspberry_pi.py over
// MQTT 3.1.1 (linecast with --mqtt-port, or any MQTT broker), with MQTT.js
// (Debian: node-mqtt; elsewhere: npm install mqtt). It shows the state the
// Pi publishes, retained, on room1/tv/state and sends commands on
// room1/tv/<setting>, the way a Node backend or an Electron app would.
//
//   node examples/node/mqtt_remote.js --set volume=42              # then print each new state
//   node examples/node/mqtt_remote.js --host 192.168.1.10 --set power=on --wait-for power=on
//   NODE_PATH=/usr/share/nodejs node ...   # Debian's node-mqtt with a node that is not Debian's
//
// Username and password: MQTT_USERNAME and MQTT_PASSWORD. State goes to
// stdout (one JSON object a line), status lines to stderr.

'use strict';

const mqtt = require('mqtt');

function parseArgs(argv) {
  const options = { host: '127.0.0.1', port: 1883, room: 'room1', set: [], waitFor: null };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--host': options.host = value; break;
      case '--port': options.port = Number(value); break;
      case '--room': options.room = value; break;
      case '--set': options.set.push(value.split(/=(.*)/s, 2)); break;
      case '--wait-for': options.waitFor = value.split(/=(.*)/s, 2); break;
      default:
        console.error('usage: mqtt_remote.js [--host H] [--port P] [--room R] [--set k=v]... [--wait-for k=v]');
        process.exit(2);
    }
  }
  return options;
}

function log(text) {
  console.error(`remote: ${text}`);
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const stateTopic = `${options.room}/tv/state`;
  const client = mqtt.connect({
    host: options.host,
    port: options.port,
    protocolVersion: 4, // MQTT 3.1.1
    clean: true, // live state only; the Pi keeps the persistent session
    clientId: `remote-${process.pid}-${Date.now().toString(16)}`,
    keepalive: 30,
    reconnectPeriod: 1000,
    username: process.env.MQTT_USERNAME || undefined,
    password: process.env.MQTT_PASSWORD || undefined,
  });

  client.on('connect', (connack) => {
    log(`connected (session present: ${connack.sessionPresent ? 1 : 0})`);
    client.subscribe(stateTopic, { qos: 1 }, (err, granted) => {
      if (err || granted[0].qos === 0x80) {
        log(`subscription to ${stateTopic} refused`);
        client.end();
        process.exitCode = 3;
        return;
      }
      log(`subscribed ${stateTopic} (granted QoS ${granted[0].qos})`);
      for (const [setting, value] of options.set) {
        // QoS 1: the Pi gets it even if it was offline (its session keeps it).
        client.publish(`${options.room}/tv/${setting}`, value, { qos: 1 }, (error) => {
          if (error) log(`send failed: ${error.message}`);
          else log(`sent ${setting}=${value}`);
        });
      }
      options.set = []; // sent once, not again after a reconnect
    });
  });

  client.on('message', (topic, payload) => {
    if (topic !== stateTopic) return;
    const text = payload.toString('utf8');
    console.log(text);
    let state;
    try {
      state = JSON.parse(text);
    } catch {
      return;
    }
    if (options.waitFor && state[options.waitFor[0]] === options.waitFor[1]) {
      client.end(); // DISCONNECT after what is in flight, then exit
    }
  });

  client.on('reconnect', () => log('reconnecting'));
  client.on('error', (error) => log(error.message));
}

main();
