/**
 * An independent decoder for the tests: the Prometheus Remote-Write 1.0 protobuf messages
 * (prometheus/prompb types.proto + remote.proto) declared with protobufjs reflection, to read what the
 * sender's hand-written encoder (src/active/remote-write/codec.ts) produced. protobufjs is a dev
 * dependency only.
 *
 * Two views of the same wire format are kept:
 * - `WriteRequest` is the schema as the spec writes it (`double value = 1`).
 * - `WriteRequestBits` declares the sample value as `fixed64`, which has the identical wire encoding
 *   (wire type 1, eight little-endian bytes), so a test reads the float64 bit pattern as it was sent:
 *   the staleness marker is only a marker while its bits are exactly 0x7ff0000000000002.
 */
import * as protobuf from 'protobufjs';

function buildRoot(sampleValueType: 'double' | 'fixed64'): protobuf.Root {
  const root = new protobuf.Root();
  const ns = root.define('prometheus');
  ns.add(new protobuf.Type('Label')
    .add(new protobuf.Field('name', 1, 'string'))
    .add(new protobuf.Field('value', 2, 'string')));
  ns.add(new protobuf.Type('Sample')
    .add(new protobuf.Field('value', 1, sampleValueType))
    .add(new protobuf.Field('timestamp', 2, 'int64')));
  ns.add(new protobuf.Type('TimeSeries')
    .add(new protobuf.Field('labels', 1, 'Label', 'repeated'))
    .add(new protobuf.Field('samples', 2, 'Sample', 'repeated')));
  // Field 3 (metadata) is optional in 1.0 and not sent; a decoder skips unknown fields anyway.
  ns.add(new protobuf.Type('WriteRequest')
    .add(new protobuf.Field('timeseries', 1, 'TimeSeries', 'repeated')));
  root.resolveAll();
  return root;
}

/** The spec's view: sample values are doubles. */
export const WriteRequest: protobuf.Type = buildRoot('double').lookupType('prometheus.WriteRequest');
/** The same wire format with sample values as raw 64-bit patterns (see the file comment). */
export const WriteRequestBits: protobuf.Type = buildRoot('fixed64').lookupType('prometheus.WriteRequest');
