# MQTT for mpheap_agent, with umqtt.simple: QoS 1 (the broker acknowledges each record) and a
# persistent session, so nothing is lost while the board is away.
from umqtt.simple import MQTTClient


def sender(device, server, port):
    c = MQTTClient(b'mpheap-' + device, server, port)
    c.connect(False)
    topic = b'mpheap/' + device + b'/heap'

    def send(line):
        try:
            c.publish(topic, line, False, 1)
        except Exception:
            c.connect(False)
            c.publish(topic, line, False, 1)
    return send
