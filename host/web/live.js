// The live connection: one WebSocket (authenticated by the session cookie) that reconnects
// with a growing delay; every event goes to `onEvent`, (re)connections to `onOpen`.

export function connectLive({ onEvent, onOpen, onStatus }) {
  let socket = null;
  let delay = 500;
  let stopped = false;
  let timer = null;

  const open = () => {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    socket = new WebSocket(`${scheme}://${location.host}/api/ws`);
    socket.addEventListener('message', (e) => {
      let event;
      try {
        event = JSON.parse(e.data);
      } catch {
        return;
      }
      if (event.type === 'ready') {
        delay = 500;
        onStatus?.('live');
        onOpen?.();
      } else {
        onEvent(event);
      }
    });
    socket.addEventListener('close', () => {
      socket = null;
      if (stopped) return;
      onStatus?.('reconnecting');
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 15000);
    });
  };
  open();
  return {
    close() {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    },
  };
}
