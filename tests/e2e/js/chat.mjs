// Two matrix-js-sdk clients chat on a real Tessera, driven by tests/e2e/test_js_sdk.py:
// JWT login, PREPARED, a room, a join, messages both ways, a rename, a redaction, a leave.
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

// Resolves once `client` emits `name` with arguments that `matches` accepts.
function emits(client, name, matches) {
  return new Promise((resolve) => {
    const check = (...args) => {
      if (matches(...args)) {
        client.off(name, check);
        resolve(args);
      }
    };
    client.on(name, check);
  });
}

function membership(client, roomId, userId, state) {
  return emits(
    client,
    sdk.RoomMemberEvent.Membership,
    (_event, member) =>
      member.roomId === roomId && member.userId === userId && member.membership === state,
  );
}

const alice = await loggedIn(aliceJwt);
const bob = await loggedIn(bobJwt);
try {
  const { room_id: roomId } = await alice.client.createRoom({
    name: "js-sdk tea",
    preset: sdk.Preset.PublicChat,
  });
  const aliceSeesBob = membership(alice.client, roomId, bob.login.user_id, "join");
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
  const room = bob.client.getRoom(roomId);
  const summary = {
    alice: { userId: alice.login.user_id, states: alice.states, timeline: timeline(alice.client) },
    bob: { userId: bob.login.user_id, states: bob.states, timeline: timeline(bob.client) },
    roomId,
    roomName: room.name,
    members: room.getJoinedMembers().map((m) => m.userId).sort(),
    received: { bob: atBob, alice: atAlice },
  };

  // Alice renames the room and redacts her message; Bob's client sees both through sync.
  const bobSeesName = emits(bob.client, sdk.RoomEvent.Name, (r) => r.name === "js-sdk coffee");
  await alice.client.setRoomName(roomId, "js-sdk coffee");
  await within(bobSeesName, "bob to see the new room name");
  summary.renamed = room.name;
  const bobSeesRedaction = emits(
    bob.client,
    sdk.RoomEvent.Redaction,
    (event, r) => r?.roomId === roomId && event.event.redacts === atBob.eventId,
  );
  await alice.client.redactEvent(roomId, atBob.eventId, undefined, { reason: "typo" });
  await within(bobSeesRedaction, "bob to see the redaction");
  const redacted = room.findEventById(atBob.eventId);
  summary.redacted = { isRedacted: redacted.isRedacted(), content: redacted.getContent() };

  // Bob leaves; Alice's client sees him go.
  const aliceSeesLeave = membership(alice.client, roomId, bob.login.user_id, "leave");
  await bob.client.leave(roomId);
  await within(aliceSeesLeave, "alice to see bob leave");
  summary.membersAfterLeave = alice.client
    .getRoom(roomId)
    .getJoinedMembers()
    .map((m) => m.userId);
  console.log(JSON.stringify(summary));
} finally {
  alice.client.stopClient();
  bob.client.stopClient();
}
process.exit(0);
