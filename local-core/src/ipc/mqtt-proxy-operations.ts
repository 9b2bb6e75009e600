/**
 * PublishToIoTCore / SubscribeToIoTCore as MqttProxyIPCAgent serves them: topic check, authorization
 * (MQTT_STYLE lookup, "Not Authorized"), payload and QoS checks, then the thing's IotCoreLink.
 */
import type { IotCoreLink } from '../nucleus/services.ts';
import { invalidArgumentsError, serviceError } from './errors.ts';
import type { OperationSpec } from './operation.ts';

export const MQTT_PROXY_SERVICE = 'aws.greengrass.ipc.mqttproxy';

function validateTopic(value: unknown): string {
  if (typeof value !== 'string') throw invalidArgumentsError('Topic is required');
  return value;
}

function validateQos(value: unknown): 0 | 1 {
  if (value === undefined || value === null) throw invalidArgumentsError('QoS is required');
  if (value === '1') return 1;
  if (value === '0') return 0;
  throw invalidArgumentsError(
    `Invalid QoS value: ${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function mqttProxyOperations(iotCore: IotCoreLink): Record<string, OperationSpec> {
  return {
    PublishToIoTCore: {
      plainJson: true,
      async handle(request, { caller }) {
        const topic = validateTopic(request.topicName);
        caller.authorize(MQTT_PROXY_SERVICE, 'aws.greengrass#PublishToIoTCore', topic);
        if (typeof request.payload !== 'string') throw invalidArgumentsError('Payload is required');
        const payload = Buffer.from(request.payload, 'base64');
        const qos = validateQos(request.qos);
        try {
          await iotCore.publish(topic, payload, qos, request.retain === true);
        } catch (error) {
          throw serviceError(`Publish to topic ${topic} failed: ${errorText(error)}`);
        }
        return {};
      },
    },
    SubscribeToIoTCore: {
      plainJson: true,
      eventShape: 'IoTCoreMessage',
      async handle(request, context) {
        const topic = validateTopic(request.topicName);
        context.caller.authorize(MQTT_PROXY_SERVICE, 'aws.greengrass#SubscribeToIoTCore', topic);
        const qos = validateQos(request.qos);
        let unsubscribe: () => void;
        try {
          unsubscribe = await iotCore.subscribe(topic, qos, (topicName, payload) =>
            context.emit({
              message: {
                topicName,
                payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString(
                  'base64',
                ),
              },
            }),
          );
        } catch (error) {
          throw serviceError(`Subscribe to topic ${topic} failed with error ${errorText(error)}`);
        }
        context.onClose(unsubscribe);
        return {};
      },
    },
  };
}
