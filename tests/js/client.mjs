// One scenario of the official JavaScript client against mimeo; prints its findings as JSON.
// Usage: node client.mjs <scenario> <baseUrl ending in /v1> <token> [args...]
import { readFileSync } from "node:fs";
import Replicate, { validateWebhook } from "replicate";

const [scenario, baseUrl, auth, ...args] = process.argv.slice(2);
const replicate = new Replicate({ auth, baseUrl });

const scenarios = {
  async run() {
    return { output: await replicate.run(args[0], { input: JSON.parse(args[1]) }) };
  },
  async lifecycle() {
    const created = await replicate.predictions.create({
      version: args[0],
      input: JSON.parse(args[1]),
    });
    const canceled = await replicate.predictions.cancel(created.id);
    const fetched = await replicate.predictions.get(created.id);
    return { created: created.status, canceledId: canceled.id, fetched: fetched.id };
  },
  async pages() {
    const ids = [];
    for await (const page of replicate.paginate(replicate.predictions.list)) {
      ids.push(...page.map((p) => p.id));
      if (ids.length > 300) break;
    }
    return { ids };
  },
  async model() {
    const model = await replicate.models.get(args[0], args[1]);
    const versions = await replicate.models.versions.list(args[0], args[1]);
    return { latest: model.latest_version.id, versions: versions.results.map((v) => v.id) };
  },
  async stream() {
    const events = [];
    for await (const event of replicate.stream(args[0], { input: JSON.parse(args[1]) })) {
      events.push({ event: event.event, data: String(event.data) });
    }
    return { events };
  },
  async files() {
    const created = await replicate.files.create(Buffer.from(args[0]), { purpose: "test" });
    const fetched = await replicate.files.get(created.id);
    const deleted = await replicate.files.delete(created.id);
    return { created, fetchedId: fetched.id, deleted };
  },
  async runWithFile() {
    const input = { ...JSON.parse(args[1]), path: Buffer.from(args[2]) };
    return { output: await replicate.run(args[0], { input }) };
  },
  async invalid() {
    try {
      await replicate.predictions.create({ version: args[0], input: JSON.parse(args[1]) });
      return { status: null };
    } catch (error) {
      return { status: error.response?.status ?? null, message: String(error.message) };
    }
  },
  async deployment() {
    // args: deployment name, model, version; a release, a waited prediction, an update, a delete.
    const [name, model, version] = args;
    const config = { hardware: "cpu", min_instances: 0, max_instances: 1 };
    const created = await replicate.deployments.create({ name, model, version, ...config });
    const { owner } = created;
    const prediction = await replicate.deployments.predictions.create(owner, name, {
      input: { text: "from a deployment" },
      wait: true,
    });
    const updated = await replicate.deployments.update(owner, name, { max_instances: 2 });
    const listed = await replicate.deployments.list();
    const deleted = await replicate.deployments.delete(owner, name);
    return {
      release: created.current_release.number,
      output: prediction.output,
      deployment: prediction.deployment,
      updatedRelease: updated.current_release.number,
      listed: listed.results.some((d) => d.name === name),
      deleted,
    };
  },
  async catalogue() {
    // args: a search text and a collection slug; models.search sends QUERY with a JSON body.
    const found = await replicate.models.search(args[0]);
    const listed = await replicate.collections.list();
    const collection = await replicate.collections.get(args[1]);
    return {
      found: found.results.map((m) => `${m.owner}/${m.name}`),
      listed: listed.results.map((c) => c.slug),
      models: collection.models.map((m) => `${m.owner}/${m.name}`),
    };
  },
  async training() {
    // args: owner, name, version, destination, input as JSON; polled as run() polls.
    const [owner, name, version, destination, input] = args;
    const created = await replicate.trainings.create(owner, name, version, {
      destination,
      input: JSON.parse(input),
    });
    let training = created;
    while (!["succeeded", "failed", "canceled"].includes(training.status)) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      training = await replicate.trainings.get(created.id);
    }
    const listed = await replicate.trainings.list();
    const canceled = await replicate.trainings.cancel(created.id);
    return {
      created: created.status,
      status: training.status,
      output: training.output,
      listed: listed.results.some((t) => t.id === created.id),
      canceled: canceled.status,
    };
  },
  async "validate-webhook"() {
    // args[0]: a JSON file with the headers and body of one delivery a receiver got.
    const { headers, body } = JSON.parse(readFileSync(args[0], "utf8"));
    const { key } = await replicate.webhooks.default.secret.get();
    const fields = {
      id: headers["webhook-id"],
      timestamp: headers["webhook-timestamp"],
      signature: headers["webhook-signature"],
      body,
      secret: key,
    };
    const signed = Object.fromEntries(
      Object.entries(headers).filter(([name]) => name.startsWith("webhook-"))
    );
    const request = new Request("http://receiver.test/hook", {
      method: "POST",
      headers: signed,
      body,
    });
    return {
      valid: await validateWebhook(fields),
      validAsRequest: await validateWebhook(request, key),
      tamperedValid: await validateWebhook({ ...fields, body: body.replace("}", ' }') }),
    };
  },
};

console.log(JSON.stringify(await scenarios[scenario]()));
