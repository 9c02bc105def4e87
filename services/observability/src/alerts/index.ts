export { AlertEvaluator, type AlertEvaluatorOptions, type AlertTransition } from './alert-evaluator';
export { measureRule, type AlertReading } from './alert-measurements';
export { listHistory, listRuleStatuses, DEFAULT_HISTORY_LIMIT } from './alert-store';
export { noticeText, slackNotice, webhookNotice } from './alert-notices';
export { deliverJson, realDeliveryClock, type DeliveryClock, type DeliveryPolicy } from './webhook-delivery';
