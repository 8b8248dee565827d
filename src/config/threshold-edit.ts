import { isAlias, isMap, isScalar, parseDocument, type Document, type YAMLMap } from 'yaml';
import { InputError } from '../errors.js';

/**
 * Writes new `lower` and `target` amounts into an environment file's text, keeping everything
 * else as it was: comments, key order, quoting and flow style (the `yaml` package's Document
 * API). A network whose entry is an alias (`kovan: *testnet`) gets a copy of what the alias
 * points at before it is edited, so its neighbours keep their values.
 */

export interface ThresholdEdit {
  network: string;
  role: string;
  lower: string;
  target: string;
}

/**
 * The network's entry as a map of its own: every entry that is an alias of the same node (the
 * edited one included) becomes a copy first, so editing one never edits its neighbours.
 */
function networkMap(doc: Document, file: string, network: string): YAMLMap {
  const networks = doc.getIn(['keymaster', 'networks'], true);
  if (!isMap(networks)) throw new InputError(`${file}: keymaster.networks is not a map`);
  const node = networks.get(network, true);
  const shared = isAlias(node) ? node.resolve(doc) : node;
  if (!isMap(shared)) {
    throw new InputError(`${file}: keymaster.networks.${network} is not in the file`);
  }
  for (const pair of networks.items) {
    if (isAlias(pair.value) && pair.value.resolve(doc) === shared) {
      const copy = shared.clone() as YAMLMap;
      // Two nodes with one anchor would be an error: the copy has none.
      delete copy.anchor;
      pair.value = copy;
    }
  }
  const own = networks.get(network, true);
  if (!isMap(own)) throw new InputError(`${file}: keymaster.networks.${network} is not a map`);
  return own;
}

function setAmount(doc: Document, map: YAMLMap, key: 'lower' | 'target', value: string): void {
  const node = map.get(key, true);
  // A scalar keeps its quotes: amounts are strings ('0.5'), never YAML numbers.
  if (isScalar(node)) node.value = value;
  else map.set(key, doc.createNode(value));
}

export function editThresholds(text: string, file: string, edits: ThresholdEdit[]): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new InputError(`${file}: ${doc.errors[0]!.message}`);
  for (const edit of edits) {
    const network = networkMap(doc, file, edit.network);
    const roles = network.get('roles', true);
    if (!isMap(roles))
      throw new InputError(`${file}: keymaster.networks.${edit.network}.roles is not a map`);
    const role = roles.get(edit.role, true);
    if (!isMap(role)) {
      throw new InputError(
        `${file}: keymaster.networks.${edit.network}.roles.${edit.role} is not in the file`,
      );
    }
    setAmount(doc, role, 'lower', edit.lower);
    setAmount(doc, role, 'target', edit.target);
  }
  return doc.toString();
}
