/**
 * PublishToTopic / SubscribeToTopic as PubSubIPCEventStreamAgent serves them: authorization first (STANDARD
 * lookup), then validation, then the local bus. JSON stays JSON, binary stays binary.
 */
import { invalidArgumentsError, serviceError } from './errors.ts';
import type { BusMessage, IpcLocalBus, ReceiveMode } from './local-bus.ts';
import { isRecord, type OperationSpec } from './operation.ts';

export const PUBSUB_SERVICE = 'aws.greengrass.ipc.pubsub';

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function toWire(topic: string, message: BusMessage): Record<string, unknown> {
  const context = { topic };
  if ('json' in message) return { jsonMessage: { message: message.json, context } };
  const { binary } = message;
  return {
    binaryMessage: {
      message: Buffer.from(binary.buffer, binary.byteOffset, binary.byteLength).toString('base64'),
      context,
    },
  };
}

export function pubsubOperations(bus: IpcLocalBus): Record<string, OperationSpec> {
  return {
    PublishToTopic: {
      plainJson: true,
      handle(request, { caller }) {
        const json = isRecord(request.publishMessage) ? request.publishMessage.jsonMessage : undefined;
        if (
          isRecord(json) &&
          json.message !== undefined &&
          json.message !== null &&
          !isRecord(json.message)
        ) {
          // JsonMessage.message is a Map<String, Object>: Gson fails before the handler runs → InternalServerError.
          throw new Error('jsonMessage.message must be a JSON object (Expected BEGIN_OBJECT)');
        }
        const topic = optionalString(request.topic);
        caller.authorizeNullable(PUBSUB_SERVICE, 'aws.greengrass#PublishToTopic', topic);
        const publishMessage = request.publishMessage;
        if (!isRecord(publishMessage)) throw serviceError('publishMessage is required');
        let message: BusMessage;
        if (isRecord(publishMessage.jsonMessage)) {
          message = { json: publishMessage.jsonMessage.message ?? null };
        } else if (isRecord(publishMessage.binaryMessage)) {
          const encoded = publishMessage.binaryMessage.message;
          message = {
            binary: typeof encoded === 'string' ? Buffer.from(encoded, 'base64') : new Uint8Array(0),
          };
        } else {
          throw serviceError('publishMessage must set jsonMessage or binaryMessage');
        }
        if (topic === null) throw invalidArgumentsError('Publish topic must not be null');
        bus.publish(topic, message, caller.component);
        return {};
      },
    },
    SubscribeToTopic: {
      plainJson: true,
      eventShape: 'SubscriptionResponseMessage',
      handle(request, context) {
        const topic = optionalString(request.topic);
        context.caller.authorizeNullable(PUBSUB_SERVICE, 'aws.greengrass#SubscribeToTopic', topic);
        if (topic === null || topic.length === 0)
          throw invalidArgumentsError('Subscribe topic must not be empty');
        const mode = request.receiveMode;
        const receiveMode =
          mode === 'RECEIVE_ALL_MESSAGES' || mode === 'RECEIVE_MESSAGES_FROM_OTHERS'
            ? (mode as ReceiveMode)
            : undefined;
        const unsubscribe = bus.subscribeWithMode(
          topic,
          (published, message) => context.emit(toWire(published, message)),
          context.caller.component,
          receiveMode,
        );
        context.onClose(unsubscribe);
        return {};
      },
    },
  };
}
