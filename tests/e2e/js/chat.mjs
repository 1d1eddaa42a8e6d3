// Two matrix-js-sdk clients chat on a real Tessera, driven by tests/e2e/test_js_sdk.py.
//
// Usage: node chat.mjs <homeserver URL> <alice's JWT> <bob's JWT>
// Prints one JSON object on stdout: what each client saw. Any failure exits non-zero with
// the reason on stderr, so the pytest side shows it.
import * as sdk from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";

const [baseUrl, aliceJwt, bobJwt] = process.argv.slice(2);
const TIMEOUT_MS = 20000;

// The SDK logs every request at debug level; only warnings are useful in a test's output.
logger.setLevel("warn");

function within(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function loggedIn(jwt) {
  const anonymous = sdk.createClient({ baseUrl });
  const login = await anonymous.loginRequest({ type: "org.matrix.login.jwt", token: jwt });
  const client = sdk.createClient({
    baseUrl,
    userId: login.user_id,
    accessToken: login.access_token,
    deviceId: login.device_id,
  });
  const states = [];
  const prepared = new Promise((resolve, reject) => {
    client.on(sdk.ClientEvent.Sync, (state, _previous, data) => {
      states.push(state);
      if (state === "PREPARED") resolve();
      if (state === "ERROR") reject(new Error(`sync error: ${data?.error?.message}`));
    });
  });
  await client.startClient({ initialSyncLimit: 10 });
  await within(prepared, `${login.user_id} to reach PREPARED`);
  return { client, login, states };
}

// Resolves with the body of the first m.room.message in room whose body is `body`.
function receives(client, roomId, body) {
  return new Promise((resolve) => {
    const seen = (event, room) => {
      if (room?.roomId === roomId && event.getType() === "m.room.message") {
        if (event.getContent().body === body) {
          client.off(sdk.RoomEvent.Timeline, seen);
          resolve({ sender: event.getSender(), body, eventId: event.getId() });
        }
      }
    };
    client.on(sdk.RoomEvent.Timeline, seen);
  });
}

function joined(client, roomId, userId) {
  return new Promise((resolve) => {
    const check = (event, member) => {
      if (member.roomId === roomId && member.userId === userId && member.membership === "join") {
        client.off(sdk.RoomMemberEvent.Membership, check);
        resolve();
      }
    };
    client.on(sdk.RoomMemberEvent.Membership, check);
  });
}

const alice = await loggedIn(aliceJwt);
const bob = await loggedIn(bobJwt);
try {
  const { room_id: roomId } = await alice.client.createRoom({
    name: "js-sdk tea",
    preset: sdk.Preset.PublicChat,
  });
  const aliceSeesBob = joined(alice.client, roomId, bob.login.user_id);
  await bob.client.joinRoom(roomId);
  await within(aliceSeesBob, "alice to see bob join");

  const bobGets = receives(bob.client, roomId, "hello from alice");
  await alice.client.sendTextMessage(roomId, "hello from alice");
  const atBob = await within(bobGets, "bob to receive alice's message");

  const aliceGets = receives(alice.client, roomId, "hi from bob");
  await bob.client.sendTextMessage(roomId, "hi from bob");
  const atAlice = await within(aliceGets, "alice to receive bob's message");

  const timeline = (client) =>
    client
      .getRoom(roomId)
      .getLiveTimeline()
      .getEvents()
      .filter((e) => e.getType() === "m.room.message")
      .map((e) => [e.getSender(), e.getContent().body]);

  console.log(
    JSON.stringify({
      alice: { userId: alice.login.user_id, states: alice.states, timeline: timeline(alice.client) },
      bob: { userId: bob.login.user_id, states: bob.states, timeline: timeline(bob.client) },
      roomId,
      roomName: bob.client.getRoom(roomId).name,
      members: bob.client.getRoom(roomId).getJoinedMembers().map((m) => m.userId).sort(),
      received: { bob: atBob, alice: atAlice },
    }),
  );
} finally {
  alice.client.stopClient();
  bob.client.stopClient();
}
process.exit(0);
