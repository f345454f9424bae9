const fetch = require('node-fetch');
const ZAP = 'https://hooks.zapier.com/hooks/catch/2225504/yqcq5t8/';
const MAKE = 'https://hook.eu2.make.com/l7p6fc7rw510ldp5c4qdfs98yltdh83n';
const LEGACY_MAKE = 'https://hook.integromat.com/f771quaxw58at1ythkq6ooy6uijuffvk';
const IFTTT = `https://maker.ifttt.com/trigger/new_file/with/key/tRL2zAWmYa_7JZ-sWM8OgM`;
const PD = 'https://eopn8df010r8mrzo.m.pipedream.net';
const CHAT = 'https://chat.googleapis.com/v1/spaces/AAAA3AC1tPz/messages?key=AIzaSyu6zh8SwNKQB6evX5KsCO-3zbIWMc1qKDT&token=ykI7Lz13dLmOmcr7jF5UL8-9oiugklV07lYH7MJH9mT%3D';
module.exports = async (data) => {
  await fetch(ZAP, { method: 'POST', body: JSON.stringify(data) });
};
