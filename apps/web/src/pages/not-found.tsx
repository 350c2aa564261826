export default function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at this address. <a href="/">Go to the overview</a>.
      </p>
    </section>
  );
}
